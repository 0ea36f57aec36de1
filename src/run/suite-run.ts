import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { startClock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { judgeScenario, type ScenarioVerdict } from '../judge/judge.js';
import type { Recording } from '../record/types.js';
import type { LoadedSuite, ResolvedScenario } from '../scenario/types.js';
import type { UndoFailure } from './cleanup.js';
import { runScenario, type Progress } from './scenario-run.js';
import { SuiteResources } from './suite-resources.js';

/**
 * A suite run: its scenarios one after another, each with a fresh system (processes, proxies,
 * ports), each leaving `<out>/<scenario>/recording.json`, the judge's `verdicts.json` and its
 * process logs; the runner's own
 * log is `<out>/faultline.log`. Stops at the first interrupt; an infrastructure failure ends
 * the run (exit 3) after its cleanup.
 */

export interface SuiteRunOptions {
  loaded: LoadedSuite;
  outDir: string;
  /** Only scenarios whose name matches. */
  grep?: RegExp;
  /** Only scenarios with one of these tags. */
  tags?: readonly string[];
  /** Narrows the selection further (`--shard`): after grep and tags, before the run. */
  pick?: (selected: ResolvedScenario[]) => ResolvedScenario[];
  /** An empty pick is not an error (a shard with nothing to do). */
  allowEmpty?: boolean;
  interrupt: AbortSignal;
  /** Progress lines for the terminal. */
  report?: (line: ScenarioReport) => void;
}

export type ScenarioReport =
  | { type: 'scenario-start'; scenario: ResolvedScenario; index: number; total: number }
  | { type: 'progress'; scenario: string; progress: Progress }
  | { type: 'scenario-end'; scenario: string; recording: Recording; file: string; verdict: ScenarioVerdict }
  | { type: 'scenario-skipped'; scenario: string; reason: string };

export interface SuiteRunResult {
  outDir: string;
  recordings: { scenario: string; file: string; recording: Recording; verdict: ScenarioVerdict }[];
  skipped: { scenario: string; reason: string }[];
  cleanupFailures: UndoFailure[];
  interrupted: boolean;
}

export function selectScenarios(scenarios: readonly ResolvedScenario[], grep: RegExp | undefined, tags: readonly string[] | undefined): ResolvedScenario[] {
  return scenarios.filter((s) => (grep === undefined || grep.test(s.name)) && (tags === undefined || tags.length === 0 || s.tags.some((t) => tags.includes(t))));
}

export async function runSuite(options: SuiteRunOptions): Promise<SuiteRunResult> {
  const { loaded, outDir } = options;
  await mkdir(outDir, { recursive: true });
  const logger: Logger = pino({ level: 'debug', base: { suite: loaded.suite.name } }, pino.destination({ dest: path.join(outDir, 'faultline.log'), sync: true, mkdir: true }));
  const matched = selectScenarios(loaded.scenarios, options.grep, options.tags);
  if (matched.length === 0) {
    throw new FaultlineError('FAULTLINE_USAGE', 'no scenario matches', { hint: `the suite has ${loaded.scenarios.map((s) => s.name).join(', ')}; check --grep and --tag` });
  }
  const selected = options.pick === undefined ? matched : options.pick(matched);
  if (selected.length === 0 && options.allowEmpty !== true) throw new FaultlineError('FAULTLINE_USAGE', 'no scenario left to run', { hint: 'check --shard' });
  const result: SuiteRunResult = { outDir, recordings: [], skipped: [], cleanupFailures: [], interrupted: false };
  const shared = new SuiteResources(startClock(), outDir, loaded.suite.seed);
  try {
    await runSelected(options, selected, shared, logger, result);
  } finally {
    await shared.close();
    logger.flush();
  }
  return result;
}

async function runSelected(options: SuiteRunOptions, selected: ResolvedScenario[], shared: SuiteResources, logger: Logger, result: SuiteRunResult): Promise<void> {
  const { loaded, outDir } = options;
  for (const [index, scenario] of selected.entries()) {
    if (options.interrupt.aborted) {
      result.interrupted = true;
      break;
    }
    if (scenario.skip !== null) {
      result.skipped.push({ scenario: scenario.name, reason: scenario.skip });
      options.report?.({ type: 'scenario-skipped', scenario: scenario.name, reason: scenario.skip });
      continue;
    }
    options.report?.({ type: 'scenario-start', scenario, index, total: selected.length });
    const scenarioDir = path.join(outDir, safeName(scenario.name));
    const scenarioLogger = logger.child({ scenario: scenario.name });
    let run;
    try {
      run = await runScenario({
        suite: loaded.suite,
        scenario,
        outDir: scenarioDir,
        logger: scenarioLogger,
        interrupt: options.interrupt,
        progress: (progress) => options.report?.({ type: 'progress', scenario: scenario.name, progress }),
        shared,
      });
    } catch (error) {
      const partial = (error as { result?: { recording: Recording; cleanupFailures: UndoFailure[] } }).result;
      if (partial !== undefined) {
        await writeRecording(scenarioDir, partial.recording);
        result.cleanupFailures.push(...partial.cleanupFailures);
      }
      scenarioLogger.error({ err: error }, 'scenario failed');
      throw error;
    }
    const file = await writeRecording(scenarioDir, run.recording);
    const verdict = judgeScenario(loaded.suite, scenario, run.recording);
    await writeFileAtomic(path.join(scenarioDir, 'verdicts.json'), `${JSON.stringify(verdict, null, 1)}\n`);
    result.recordings.push({ scenario: scenario.name, file, recording: run.recording, verdict });
    result.cleanupFailures.push(...run.cleanupFailures);
    options.report?.({ type: 'scenario-end', scenario: scenario.name, recording: run.recording, file, verdict });
    if (run.recording.status === 'interrupted') {
      result.interrupted = true;
      break;
    }
  }
}

async function writeRecording(dir: string, recording: Recording): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'recording.json');
  await writeFileAtomic(file, `${JSON.stringify(recording)}\n`);
  return file;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '-');
}
