import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor } from '../../../src/index.js';
import { ScenarioError, formatIssues } from '../../../src/scenario/scenario-error.js';
import { SourceFile, type ScenarioIssue } from '../../../src/scenario/source.js';

const source = new SourceFile('s.yaml', 'name: x\nsteady: fast\n');
const issues: ScenarioIssue[] = [
  { code: 'BAD_DURATION', file: 's.yaml', line: 2, column: 9, path: 'steady', message: 'expected a duration like "250ms", got "fast"' },
  { code: 'UNKNOWN_KEY', file: 'a.yaml', line: 3, column: 1, path: 'naem', message: 'unknown key', hint: 'did you mean `name`?' },
];

describe('ScenarioError', () => {
  it('carries every issue and exits 2', () => {
    const error = new ScenarioError(issues);
    expect(error.issues).toHaveLength(2);
    expect(error.code).toBe('FAULTLINE_SCENARIO_INVALID');
    expect(exitCodeFor(error)).toBe(ExitCode.BAD_INPUT);
    expect(error.message).toBe('2 problems in the scenario files');
  });

  it('formats issues sorted by file and position, with code frames and hints', () => {
    expect(formatIssues(issues, new Map([['s.yaml', source]]))).toBe(
      [
        'a.yaml:3:1  naem: unknown key [UNKNOWN_KEY]',
        '  hint: did you mean `name`?',
        '',
        's.yaml:2:9  steady: expected a duration like "250ms", got "fast" [BAD_DURATION]',
        '  1 | name: x',
        '> 2 | steady: fast',
        '    |         ^',
      ].join('\n'),
    );
  });
});
