import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import type { ResourceSample } from '../record/types.js';

/**
 * CPU and RSS of a process from /proc (Linux). CPU is the utime+stime delta between samples
 * over the wall time between them, in cores. Elsewhere (no /proc) it records nothing.
 */

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux a CI runs on
const PAGE_SIZE = 4096;

export interface ProcStat {
  /** utime + stime, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** One-letter state: R running, S sleeping, T stopped, Z zombie... */
  state: string;
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '?';
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssPages * PAGE_SIZE, state };
}

export interface ResourceSampler {
  stop(): ResourceSample[];
}

/** Samples `pid()` (it changes when the target restarts) every `intervalMs`. */
export function startResourceSampler(options: { pid: () => number | undefined; intervalMs: number; clock: Clock }): ResourceSampler {
  const samples: ResourceSample[] = [];
  let last: { pid: number; t: number; cpuSeconds: number } | undefined;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const pid = options.pid();
      if (pid === undefined) return;
      const stat = await readProcStat(pid);
      const t = options.clock.now();
      if (stat === undefined) return;
      if (last !== undefined && last.pid === pid && t > last.t) {
        samples.push({ t, pid, cpu: Math.max(0, (stat.cpuSeconds - last.cpuSeconds) / ((t - last.t) / 1000)), rssBytes: stat.rssBytes });
      }
      last = { pid, t, cpuSeconds: stat.cpuSeconds };
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  void tick();
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}
