import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Recording } from '../../src/record/types.js';
import { CLI_MAIN, ROOT } from './processes.js';

/**
 * For e2e tests of `faultline run`: the built CLI started in a folder, its recordings read
 * back, and the processes it started found by a marker in their environment (so "nothing left
 * running" can be checked).
 */

/** Pids of live (not zombie) processes whose environment holds FAULTLINE_TEST_MARK=<marker>. */
export function marked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`FAULTLINE_TEST_MARK=${marker}`)) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') found.push(Number(entry));
      }
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** `faultline ARGS` in `cwd`, as CI runs it; the caller kills what is left in afterEach. */
export function faultline(cwd: string, args: string[], options: { env?: Record<string, string>; /** Default 180 s. */ timeoutMs?: number } = {}): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [CLI_MAIN, ...args], { cwd, reject: false, all: true, env: { CI: '1', ...options.env }, timeout: options.timeoutMs ?? 180_000 });
}

export const readRecording = async (out: string, scenario: string): Promise<Recording> => JSON.parse(await readFile(path.join(out, scenario, 'recording.json'), 'utf8')) as Recording;

/**
 * The bundled suite file, its commands run from the repository (so it works in any folder), with
 * FAULTLINE_TEST_MARK=<marker> in the target's and the upstream's environment for `marked()`.
 */
export function markedSuiteText(marker: string, extra = ''): string {
  const bundled = readFileSync(path.join(ROOT, 'scenarios/faultline.yaml'), 'utf8');
  const text = bundled
    .replaceAll('cwd: ..', `cwd: ${ROOT}`)
    .replace('    AGENT_LOG_LEVEL: warn', `    AGENT_LOG_LEVEL: warn\n    FAULTLINE_TEST_MARK: ${marker}`)
    .replace('      UPSTREAM_PORT: ${port:upstream}', `      UPSTREAM_PORT: \${port:upstream}\n      FAULTLINE_TEST_MARK: ${marker}`);
  if (text.split(`FAULTLINE_TEST_MARK: ${marker}`).length !== 3) throw new Error('scenarios/faultline.yaml changed: markedSuiteText no longer marks both processes');
  return `${text}${extra}`;
}

/** Pids of live (not zombie) children of `pid`: what an in-process run must not leave behind. */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * report.html without its one generation stamp, for comparing two renders of the same report.
 * Throws when the stamp is missing, so a changed footer cannot make the comparison vacuous.
 */
export function withoutGenerationStamp(html: string): string {
  const stamp = / at <time class="generated-at"[^>]*>[^<]*<\/time>/;
  if (!stamp.test(html)) throw new Error('report.html has no generation stamp: the footer changed, update withoutGenerationStamp');
  return html.replace(stamp, '');
}
