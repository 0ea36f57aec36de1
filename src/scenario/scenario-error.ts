import { FaultlineError } from '../errors.js';
import type { ScenarioIssue, SourceFile } from './source.js';

/**
 * Every problem found in a set of scenario files, reported at once (exit code 2). Each issue
 * has a code, a file:line:column, the dotted path, a message and possibly a hint.
 */
export class ScenarioError extends FaultlineError {
  override name = 'ScenarioError';

  constructor(
    readonly issues: readonly ScenarioIssue[],
    /** The files the issues point into, for code frames. */
    readonly sources: ReadonlyMap<string, SourceFile> = new Map(),
  ) {
    super('FAULTLINE_SCENARIO_INVALID', `${issues.length} problem${issues.length === 1 ? '' : 's'} in the scenario files`, {
      hint: 'fix the issues above; `faultline validate` checks files without running them',
    });
  }
}

/**
 * The terminal form of issues: `file:line:col  path: message`, the code frame (when the
 * source is known) and the hint, issues sorted by file and position.
 */
export function formatIssues(issues: readonly ScenarioIssue[], sources: ReadonlyMap<string, SourceFile> = new Map()): string {
  const sorted = [...issues].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  return sorted
    .map((issue) => {
      const where = `${issue.file}:${issue.line}:${issue.column}`;
      const head = `${where}  ${issue.path === '' ? '' : `${issue.path}: `}${issue.message} [${issue.code}]`;
      const frame = sources.get(issue.file)?.codeFrame(issue.line, issue.column);
      const hint = issue.hint === undefined ? '' : `\n  hint: ${issue.hint}`;
      return `${head}${frame === undefined ? '' : `\n${frame}`}${hint}`;
    })
    .join('\n\n');
}
