import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa, execaSync } from 'execa';
import { request } from 'undici';
import { freePort } from '../../src/target/ports.js';

/**
 * A real Prometheus (the Debian package's binary) for integration tests: loopback only, a free
 * port, a temporary config and TSDB, ready when `/-/ready` answers 200. Tests that use it (or
 * promtool) fail loudly when the binary is missing: CI installs it (.ci/run).
 */

export interface PrometheusOptions {
  /** host:port pairs to scrape, each on 127.0.0.1. */
  targets: string[];
  /** Absolute paths of rule files. */
  ruleFiles?: string[];
  /** Scrape interval (and scrape timeout), ms. Default 1000. */
  scrapeIntervalMs?: number;
  /** Global rule evaluation interval, ms (a rule group's own `interval` wins). Default 1000. */
  evaluationIntervalMs?: number;
  /** Deadline for `/-/ready`, ms. Default 15000. */
  readyTimeoutMs?: number;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  pid: number;
  /** The scrape job of the targets. */
  job: string;
  /** ms from spawn to the first 200 from /-/ready. */
  readyMs: number;
  /** Prometheus's log lines so far (it logs to stderr), for failure messages. */
  lines: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; removes the temporary folder. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export const SCRAPE_JOB = 'faultline-target';

/** The path of a Prometheus tool, or a thrown error that says how to install it. */
export function requireTool(name: 'prometheus' | 'promtool'): string {
  const found = execaSync('sh', ['-c', `command -v ${name}`], { reject: false });
  if (found.exitCode !== 0 || found.stdout.trim() === '') {
    throw new Error(`${name} is not installed: apt-get install -y --no-install-recommends prometheus (CI installs it in .ci/run)`);
  }
  return found.stdout.trim();
}

const seconds = (ms: number): string => `${ms / 1000}s`;

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = requireTool('prometheus');
  for (const target of options.targets) if (!target.startsWith('127.0.0.1:')) throw new Error(`only loopback targets, got ${target}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'faultline-prometheus-'));
  const scrape = options.scrapeIntervalMs ?? 1_000;
  const config = [
    'global:',
    `  scrape_interval: ${seconds(scrape)}`,
    `  scrape_timeout: ${seconds(scrape)}`,
    `  evaluation_interval: ${seconds(options.evaluationIntervalMs ?? 1_000)}`,
    `rule_files: ${JSON.stringify(options.ruleFiles ?? [])}`,
    'scrape_configs:',
    `  - job_name: ${SCRAPE_JOB}`,
    `    static_configs: [{ targets: ${JSON.stringify(options.targets)} }]`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  // The port is free when picked; if someone takes it before Prometheus binds, try again (bounded).
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnPrometheus(binary, dir, port, options.readyTimeoutMs ?? 15_000);
    } catch (error) {
      lastError = error;
      if (!String(error).includes('address already in use')) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function spawnPrometheus(binary: string, dir: string, port: number, readyTimeoutMs: number): Promise<RunningPrometheus> {
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = execa(
    binary,
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { buffer: false, reject: false, stdin: 'ignore', cwd: dir },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  let done = false;
  void exited.then(() => (done = true));

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (!done) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = started + readyTimeoutMs;
  for (;;) {
    if (done) {
      const { code, signal } = await exited;
      throw new Error(`prometheus exited (code ${code}, signal ${signal}) before it was ready:\n${lines.join('\n')}`);
    }
    const ready = await request(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      await stop(0);
      throw new Error(`prometheus was not ready within ${readyTimeoutMs} ms:\n${lines.join('\n')}`);
    }
    // The first answer comes after ~0.1 s here; poll every 20 ms rather than sleep for it.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url, port, pid: child.pid as number, job: SCRAPE_JOB, readyMs: performance.now() - started, lines, stop };
}
