import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { FaultlineError } from '../errors.js';
import { checkScenario } from './check-scenario.js';
import { IssueSink, checkSuite } from './check-suite.js';
import { expandGlobs, planPaths, type SuitePlan } from './discover.js';
import { resolveScenario, type ResolveOptions } from './resolve-scenario.js';
import { resolveSuite } from './resolve-suite.js';
import { ScenarioError } from './scenario-error.js';
import { scenarioSchema } from './schema/scenario.js';
import { suiteSchema } from './schema/suite.js';
import { SourceFile, type ScenarioIssue } from './source.js';
import { SCENARIO_TEMPLATE_PATHS, SUITE_TEMPLATE_PATHS, preparePlaceholders, type PlaceholderUse } from './templates.js';
import type { LoadedSuite, ResolvedScenario, ResolvedSuite } from './types.js';
import { fromZodIssues } from './zod-issues.js';

/**
 * Loading: read → YAML with positions → placeholders (env expanded) → zod schema → defaults
 * (resolve-*.ts) → checks across fields and files (check-*.ts). Every issue of every file is
 * collected; nothing is thrown half-way except for files that cannot be read at all.
 */

export interface LoadOptions extends ResolveOptions {
  /** Paths in messages are relative to this (default process.cwd()). */
  cwd?: string;
  /** For ${env:...} (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface FileReport {
  /** As shown in messages: relative to cwd. */
  file: string;
  kind: 'suite' | 'scenario';
  issues: ScenarioIssue[];
}

export interface ValidationReport {
  ok: boolean;
  files: FileReport[];
  issues: ScenarioIssue[];
  /** The suites that loaded without any issue, resolved. */
  suites: LoadedSuite[];
  sources: Map<string, SourceFile>;
}

interface ParsedFile<T> {
  source: SourceFile;
  parsed: T | undefined;
  uses: PlaceholderUse[];
  issues: ScenarioIssue[];
}

/** The largest file the loader reads: scenario files are small; anything bigger is a mistake. */
const MAX_FILE_BYTES = 1024 * 1024;

/** Parses one document against a schema; never throws for anything in the text. */
export function parseDocumentText<S extends z.ZodType>(file: string, text: string, schema: S, templatePaths: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedFile<z.output<S>> {
  const source = new SourceFile(file, text);
  const syntax = source.syntaxIssues();
  if (syntax.length > 0) return { source, parsed: undefined, uses: [], issues: capSyntaxIssues(syntax) };
  let raw: unknown;
  try {
    raw = source.toJS();
  } catch (error) {
    return { source, parsed: undefined, uses: [], issues: [{ code: 'YAML_SYNTAX', file, line: 1, column: 1, path: '', message: error instanceof Error ? error.message : String(error), hint: 'too many aliases (*ref) expand to more than the loader allows' }] };
  }
  if (isCyclic(raw)) {
    return { source, parsed: undefined, uses: [], issues: [{ code: 'YAML_SYNTAX', file, line: 1, column: 1, path: '', message: 'an alias refers to a node that contains it (a cycle)', hint: 'scenario files are trees: copy the value instead of aliasing its parent' }] };
  }
  if (raw === undefined || raw === null) {
    return { source, parsed: undefined, uses: [], issues: [{ code: 'EMPTY_FILE', file, line: 1, column: 1, path: '', message: 'the file is empty', hint: 'see docs/scenarios.md for the fields' }] };
  }
  const prepared = preparePlaceholders(raw, source, templatePaths, env);
  const result = schema.safeParse(prepared.value);
  const issues = [...prepared.issues, ...(result.success ? [] : fromZodIssues(result.error.issues, source, prepared.value))];
  return { source, parsed: result.success ? (result.data) : undefined, uses: prepared.uses, issues };
}

const PLACEHOLDER_CODES = new Set(['BAD_PLACEHOLDER', 'ENV_UNSET', 'PLACEHOLDER_NOT_ALLOWED']);

/**
 * A broken placeholder also makes its value fail the schema or a check (an unset
 * `${env:STEADY}` is not a duration); report the cause once, not its echoes at the same path.
 */
function withoutEchoes(issues: ScenarioIssue[]): ScenarioIssue[] {
  const causes = new Set(issues.filter((i) => PLACEHOLDER_CODES.has(i.code)).map((i) => i.path));
  return issues.filter((i) => PLACEHOLDER_CODES.has(i.code) || !causes.has(i.path));
}

/** After the first few syntax errors the rest are mostly echoes of them; show at most ten. */
const MAX_SYNTAX_ISSUES = 10;

function capSyntaxIssues(issues: ScenarioIssue[]): ScenarioIssue[] {
  if (issues.length <= MAX_SYNTAX_ISSUES) return issues;
  const shown = issues.slice(0, MAX_SYNTAX_ISSUES);
  const last = shown[shown.length - 1] as ScenarioIssue;
  shown[shown.length - 1] = { ...last, hint: `${issues.length - MAX_SYNTAX_ISSUES + 1} more syntax errors follow; fix these first` };
  return shown;
}

/** YAML aliases can build cycles (`a: &x [*x]`); the schema walk must never see one. */
function isCyclic(value: unknown, ancestors = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const cyclic = Object.values(value).some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}

async function readText(absolute: string, shown: string): Promise<string> {
  const buffer = await readFile(absolute).catch((error: unknown) => {
    throw new FaultlineError('FAULTLINE_USAGE', `cannot read "${shown}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  });
  if (buffer.byteLength > MAX_FILE_BYTES) throw new FaultlineError('FAULTLINE_USAGE', `"${shown}" is ${buffer.byteLength} bytes; scenario files are at most 1 MiB`);
  return buffer.toString('utf8');
}

/** Loads and checks every suite and scenario the paths name. Throws only when a path cannot be read. */
export async function validatePaths(paths: readonly string[], options: LoadOptions = {}): Promise<ValidationReport> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const plans = await planPaths(paths, cwd);
  const report: ValidationReport = { ok: true, files: [], issues: [], suites: [], sources: new Map() };
  for (const plan of plans) await validatePlan(plan, cwd, env, options, report);
  report.issues = report.files.flatMap((f) => f.issues);
  report.ok = report.issues.length === 0;
  return report;
}

async function validatePlan(plan: SuitePlan, cwd: string, env: Readonly<Record<string, string | undefined>>, options: ResolveOptions, report: ValidationReport): Promise<void> {
  const shown = (absolute: string) => path.relative(cwd, absolute) || path.basename(absolute);
  const suite = plan.suite === null ? null : { path: plan.suite, file: shown(plan.suite), text: await readText(plan.suite, shown(plan.suite)) };
  let scenarioPaths = plan.scenarios ?? [];
  if (plan.scenarios === null && suite !== null) {
    // The suite's own globs pick its scenarios; an unreadable suite falls back to the default.
    const probe = parseDocumentText(suite.file, suite.text, suiteSchema, SUITE_TEMPLATE_PATHS, env);
    scenarioPaths = await expandGlobs(suite.path, probe.parsed?.scenarios ?? ['*.yaml', '*.yml']);
  }
  const scenarios: DocumentText[] = [];
  for (const absolute of scenarioPaths) scenarios.push({ path: absolute, file: shown(absolute), text: await readText(absolute, shown(absolute)) });
  const result = validateDocuments(suite, scenarios, env, options);
  report.files.push(...result.files);
  for (const [file, source] of result.sources) report.sources.set(file, source);
  if (result.loaded !== undefined) report.suites.push(result.loaded);
}

/** A document to validate: its absolute path (for relative `cwd`s), its name in messages, its text. */
export interface DocumentText {
  path: string;
  file: string;
  text: string;
}

/**
 * Validates a suite and its scenarios from their texts (no file system access): every issue
 * of every document, and the loaded suite when there are none.
 */
export function validateDocuments(
  suiteDocument: DocumentText | null,
  scenarioDocuments: readonly DocumentText[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ResolveOptions = {},
): { files: FileReport[]; sources: Map<string, SourceFile>; loaded: LoadedSuite | undefined } {
  const files: FileReport[] = [];
  const sources = new Map<string, SourceFile>();
  let suite: ResolvedSuite | undefined;
  let suiteClean = false;

  if (suiteDocument !== null) {
    const parsedFile = parseDocumentText(suiteDocument.file, suiteDocument.text, suiteSchema, SUITE_TEMPLATE_PATHS, env);
    sources.set(suiteDocument.file, parsedFile.source);
    const sink = new IssueSink(parsedFile.source);
    if (parsedFile.parsed !== undefined) {
      suite = resolveSuite(parsedFile.parsed, suiteDocument.path);
      checkSuite(parsedFile.parsed, suite, parsedFile.uses, sink);
    }
    const issues = withoutEchoes([...parsedFile.issues, ...sink.issues]);
    files.push({ file: suiteDocument.file, kind: 'suite', issues });
    suiteClean = issues.length === 0;
  }

  const scenarios: ResolvedScenario[] = [];
  const names = new Map<string, string>();
  let scenariosClean = true;
  for (const document of scenarioDocuments) {
    const parsedFile = parseDocumentText(document.file, document.text, scenarioSchema, SCENARIO_TEMPLATE_PATHS, env);
    sources.set(document.file, parsedFile.source);
    const sink = new IssueSink(parsedFile.source);
    if (suiteDocument === null) {
      sink.add([], 'NO_SUITE', 'no suite file (faultline.yaml) next to this scenario or in a folder above it', 'scenarios share the target, proxies and SLOs of a faultline.yaml: see docs/scenarios.md');
    }
    const parsed = parsedFile.parsed;
    if (parsed !== undefined) {
      const earlier = names.get(parsed.name);
      if (earlier !== undefined) sink.add(['name'], 'DUPLICATE_SCENARIO', `scenario name "${parsed.name}" is already used by ${earlier}`, 'scenario names must be unique in a suite: reports are keyed by them');
      else names.set(parsed.name, document.file);
      if (suite !== undefined) {
        const resolved = resolveScenario(parsed, document.path, suite, options);
        checkScenario(parsed, resolved, suite, parsedFile.uses, sink);
        scenarios.push(resolved);
      }
    }
    const issues = withoutEchoes([...parsedFile.issues, ...sink.issues]);
    if (issues.length > 0) scenariosClean = false;
    files.push({ file: document.file, kind: 'scenario', issues });
  }

  const loaded = suite !== undefined && suiteClean && scenariosClean ? { suite, scenarios } : undefined;
  return { files, sources, loaded };
}

/**
 * Loads one suite (a folder holding faultline.yaml, or the file itself) with its scenarios,
 * ready to run; throws a ScenarioError carrying every issue when anything is wrong.
 */
export async function loadSuite(location: string, options: LoadOptions = {}): Promise<LoadedSuite> {
  const report = await validatePaths([location], options);
  if (!report.ok) throw new ScenarioError(report.issues, report.sources);
  const [loaded] = report.suites;
  if (loaded === undefined || report.suites.length > 1) {
    throw new FaultlineError('FAULTLINE_USAGE', `"${location}" holds ${report.suites.length} suites; name one suite file`, { hint: 'e.g. scenarios/faultline.yaml' });
  }
  return loaded;
}
