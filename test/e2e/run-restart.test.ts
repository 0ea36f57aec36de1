import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent, Recording } from '../../src/record/types.js';
import { pollUntil, ROOT } from '../helpers/processes.js';
import { faultline, marked, readRecording } from '../helpers/run-cli.js';

/**
 * Restart policies in `faultline run`: a target that exits on its own mid-run is an event in
 * the recording, and a restart when its `restart` says so; never one the run did not ask
 * for, never after the timeline, never both a fault's and a policy's; and nothing is left
 * running. The target is test/fixtures/targets/crashes-once.mjs.
 */

const FIXTURE = path.join(ROOT, 'test/fixtures/targets/crashes-once.mjs');
/** Late enough that the timeline has started (start-up takes well under a second). */
const CRASH_AFTER_MS = 2_000;

let work: string;
const runs: ResultPromise[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-restart-'));
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run;
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Case {
  /** The target's `restart:` value, as written; none: no field. */
  restart?: string;
  env?: Record<string, string>;
  scenario: string;
}

/** A suite folder with the fixture as its target and one scenario `s`; returns it and the marker in the target's environment. */
async function suiteDir(name: string, options: Case): Promise<{ dir: string; out: string; marker: string }> {
  const dir = path.join(work, name);
  const marker = randomUUID();
  await mkdir(dir, { recursive: true });
  const env = { CRASH_STATE: '${tmp:crash}', FAULTLINE_TEST_MARK: marker, ...options.env };
  await writeFile(
    path.join(dir, 'faultline.yaml'),
    [
      'target:',
      `  command: [node, ${FIXTURE}]`,
      '  env:',
      '    PORT: "${port:app}"',
      ...Object.entries(env).map(([key, value]) => `    ${key}: "${value}"`),
      '  health: { url: "http://127.0.0.1:${port:app}/health", interval: 100ms }',
      '  stop: { grace: 2s }',
      ...(options.restart === undefined ? [] : [`  restart: ${options.restart}`]),
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 's.yaml'), options.scenario);
  return { dir, out: path.join(work, `out-${name}`), marker };
}

function run(dir: string, out: string): ResultPromise {
  const started = faultline(work, ['run', dir, '--out', out]);
  runs.push(started);
  return started;
}

/** The target's process events and the notes, in order, without times and pids. */
function processStory(recording: Recording): string[] {
  return recording.events.flatMap((e): string[] => {
    switch (e.type) {
      case 'process-started':
      case 'process-ready':
        return [e.type];
      case 'process-exited':
        return [`${e.type} code=${String(e.code)} expected=${String(e.expected)}`];
      case 'process-restart':
        return [`${e.type} attempt=${e.attempt} delayMs=${e.delayMs}`];
      default:
        return [];
    }
  });
}

/**
 * The run went through (0: every expectation passed; 1: the verdicts, which are not what this
 * file tests: its scenarios state no expectations); not bad input (2), not an infrastructure
 * failure (3), not a failed cleanup (4).
 */
function expectRan(result: { exitCode?: number; all?: unknown }): void {
  expect([0, 1], String(result.all)).toContain(result.exitCode);
}

const notes = (recording: Recording): string[] => recording.events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
const first = <T extends RecordedEvent['type']>(recording: Recording, type: T, after = -Infinity): Extract<RecordedEvent, { type: T }> | undefined =>
  recording.events.find((e): e is Extract<RecordedEvent, { type: T }> => e.type === type && e.t > after);
const timelineStart = (recording: Recording): number => recording.phases[0]?.start ?? Infinity;

describe('faultline run: restart policies', () => {
  it('restart: on-failure starts a target that crashed mid-run again after its delay; health comes back UP; nothing left running', async () => {
    const { dir, out, marker } = await suiteDir('on-failure', {
      restart: '{ when: on-failure, delay: 500ms }',
      env: { CRASH_AFTER_MS: String(CRASH_AFTER_MS) },
      scenario: 'name: s\nsteady: 3s\nrecover: 3s\n',
    });
    const result = await run(dir, out);
    expectRan(result);
    const recording = await readRecording(out, 's');
    expect(recording.status).toBe('completed');
    // The last exit is the teardown's stop.
    expect(processStory(recording)).toEqual([
      'process-started',
      'process-ready',
      'process-exited code=1 expected=false',
      'process-restart attempt=1 delayMs=500',
      'process-started',
      'process-ready',
      'process-exited code=0 expected=true',
    ]);

    const exited = first(recording, 'process-exited');
    const restart = first(recording, 'process-restart');
    expect(exited?.t).toBeGreaterThan(timelineStart(recording));
    expect(restart?.t).toBeGreaterThanOrEqual(exited?.t ?? Infinity);
    // Started again after the delay, as a new process.
    const relaunched = first(recording, 'process-started', restart?.t);
    expect((relaunched?.t ?? 0) - (restart?.t ?? Infinity)).toBeGreaterThanOrEqual(495);
    expect(relaunched?.pid).not.toBe(first(recording, 'process-started')?.pid);
    expect(first(recording, 'process-ready', relaunched?.t)).toBeDefined();

    // Health went away with the crash and came back UP with the restart, and stayed UP. (A
    // health event carries its poll's start: the one that failed may have begun before the exit.)
    const health = recording.events.filter((e): e is Extract<RecordedEvent, { type: 'health' }> => e.type === 'health');
    expect(health.map((e) => e.to)).toEqual(['UP', 'UNREACHABLE', 'UP']);
    expect(health[1]?.t).toBeGreaterThan(first(recording, 'process-ready')?.t ?? Infinity);
    expect(health[1]?.t).toBeLessThan(relaunched?.t ?? -Infinity);
    expect(health[2]?.t).toBeGreaterThan(relaunched?.t ?? Infinity);
    expect(recording.health.at(-1)?.state).toBe('UP');
    expect(notes(recording)).toEqual([]);
    expect(marked(marker)).toEqual([]);
  });

  it('restart: never leaves a target that crashed mid-run down to the end; nothing left running', async () => {
    const { dir, out, marker } = await suiteDir('never', { restart: 'never', env: { CRASH_AFTER_MS: String(CRASH_AFTER_MS) }, scenario: 'name: s\nsteady: 3s\nrecover: 2s\n' });
    const result = await run(dir, out);
    expectRan(result);
    const recording = await readRecording(out, 's');
    expect(recording.status).toBe('completed');
    expect(processStory(recording)).toEqual(['process-started', 'process-ready', 'process-exited code=1 expected=false']);
    const exited = first(recording, 'process-exited');
    expect(exited?.t).toBeGreaterThan(timelineStart(recording));
    const after = recording.health.filter((s) => s.t > (exited?.t ?? Infinity) + 250);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((s) => s.state === 'UP')).toEqual([]);
    expect(notes(recording)).toEqual([]);
    expect(marked(marker)).toEqual([]);
  });

  it('restart.limit: after its last restart the target stays down, and a note says so', async () => {
    const { dir, out, marker } = await suiteDir('limit', {
      restart: '{ when: always, delay: 200ms, limit: 1 }',
      env: { CRASH_AFTER_MS: String(CRASH_AFTER_MS), CRASH_TIMES: '99' },
      scenario: 'name: s\nsteady: 4s\nrecover: 3s\n',
    });
    const result = await run(dir, out);
    expectRan(result);
    const recording = await readRecording(out, 's');
    expect(processStory(recording)).toEqual([
      'process-started',
      'process-ready',
      'process-exited code=1 expected=false',
      'process-restart attempt=1 delayMs=200',
      'process-started',
      'process-ready',
      'process-exited code=1 expected=false',
    ]);
    expect(notes(recording)).toEqual([expect.stringMatching(/^target exited again after 1 restart, its limit .*: it stays down$/)]);
    expect(marked(marker)).toEqual([]);
  });

  it('Ctrl-C during a restart delay ends the run at once (exit 130): the restart is not made, nothing left running', async () => {
    const { dir, out, marker } = await suiteDir('interrupt', {
      restart: '{ when: on-failure, delay: 60s }',
      env: { CRASH_AFTER_MS: String(CRASH_AFTER_MS) },
      scenario: 'name: s\nsteady: 60s\nrecover: 1s\n',
    });
    const started = run(dir, out);
    // The runner writes the exit into the target's log as it records it (and the restart with it).
    const log = path.join(out, 's', 'target.log');
    await pollUntil(async () => ((await readFile(log, 'utf8').catch(() => '')).includes('exited (code 1') ? true : undefined), 'the target to crash', 30_000);
    const interruptedAt = performance.now();
    started.kill('SIGINT');
    const result = await started;
    expect(result.exitCode, String(result.all)).toBe(130);
    // Far from the 60 s delay: the stop signal cut it short.
    expect(performance.now() - interruptedAt).toBeLessThan(20_000);
    const recording = await readRecording(out, 's');
    expect(recording.status).toBe('interrupted');
    expect(processStory(recording)).toEqual(['process-started', 'process-ready', 'process-exited code=1 expected=false', 'process-restart attempt=1 delayMs=60000']);
    expect(notes(recording)).toEqual([expect.stringMatching(/^restart 1 of target not made: the timeline ended during its 60000 ms delay$/)]);
    expect(marked(marker)).toEqual([]);
  });

  it('a kill fault with restart is restarted by the fault, not also by restart: always', async () => {
    const { dir, out, marker } = await suiteDir('fault-kill', {
      restart: '{ when: always, delay: 0s }',
      scenario: ['name: s', 'steady: 1s', 'faults:', '  - name: kill', '    duration: 1s', '    process: { action: kill }', 'recover: 2s', ''].join('\n'),
    });
    const result = await run(dir, out);
    expectRan(result);
    const recording = await readRecording(out, 's');
    // SIGKILLed by the fault (expected), started again by it, stopped by the teardown: no process-restart.
    expect(processStory(recording)).toEqual(['process-started', 'process-ready', 'process-exited code=null expected=true', 'process-started', 'process-ready', 'process-exited code=0 expected=true']);
    expect(recording.faults[0]?.effect, recording.faults[0]?.evidence).toBe('effective');
    // The fault ended with its relaunch (the spawn, recorded a moment before process-started).
    const relaunched = first(recording, 'process-started', recording.faults[0]?.appliedAt ?? Infinity);
    const sinceRevert = (relaunched?.t ?? -Infinity) - (recording.faults[0]?.revertedAt ?? Infinity);
    expect(sinceRevert).toBeGreaterThanOrEqual(0);
    expect(sinceRevert).toBeLessThan(50);
    expect(notes(recording)).toEqual([]);
    expect(recording.health.at(-1)?.state).toBe('UP');
    expect(marked(marker)).toEqual([]);
  });
});
