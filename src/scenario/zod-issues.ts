import type { z } from 'zod';
import { decode } from './schema/issue-text.js';
import { formatPath, type Path, type ScenarioIssue, type SourceFile } from './source.js';
import { didYouMean } from './suggest.js';

/**
 * Turns zod's issues into faultline's: a stable code, the position of the offending value
 * (or key), a message that names the value, and a hint. Codes come from the schemas
 * (schema/issue-text.ts); zod's own issues get a code by kind.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], source: SourceFile, value: unknown): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const at = (p: Path, key = false) => ({ file: source.file, ...source.locate(p, { key }) });
    const coded = decode(issue.message);

    if (issue.code === 'unrecognized_keys') {
      const allowed = coded?.hint === undefined ? [] : (JSON.parse(coded.hint) as string[]).filter((k) => k !== '$schema');
      for (const key of issue.keys) {
        const guess = didYouMean(key, allowed);
        out.push({
          code: 'UNKNOWN_KEY',
          ...at([...path, key], true),
          path: formatPath([...path, key]),
          message: `unknown key "${key}"`,
          hint: guess !== undefined ? `did you mean "${guess}"?` : `allowed here: ${allowed.join(', ')}`,
        });
      }
      continue;
    }

    if (isMissing(value, path)) {
      const key = path[path.length - 1];
      const parent = path.slice(0, -1);
      out.push({
        code: 'MISSING_KEY',
        ...(parent.length === 0 ? { file: source.file, line: 1, column: 1 } : at(parent, true)),
        path: formatPath(path),
        message: `missing required key "${String(key)}"`,
        ...(coded?.hint === undefined ? {} : { hint: coded.hint }),
      });
      continue;
    }

    if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => decode(i.message)).find((d) => d !== undefined);
      if (inner !== undefined) {
        out.push({ code: inner.code, ...at(path, true), path: formatPath(path), message: `"${String(path[path.length - 1])}": ${inner.message}`, ...(inner.hint === undefined ? {} : { hint: inner.hint }) });
        continue;
      }
      out.push({ code: 'BAD_NAME', ...at(path, true), path: formatPath(path), message: `"${String(path[path.length - 1])}" is not a valid name`, hint: 'names use letters, digits, "_", "-" and ".", and start with a letter or "_"' });
      continue;
    }

    const fallback = ZOD_CODES[issue.code] ?? 'INVALID';
    out.push({
      code: coded?.code ?? fallback,
      ...at(path),
      path: formatPath(path),
      message: coded?.message ?? issue.message,
      ...(coded?.hint === undefined ? {} : { hint: coded.hint }),
    });
  }
  return dedupe(out);
}

const ZOD_CODES: Partial<Record<string, string>> = {
  invalid_type: 'WRONG_TYPE',
  too_small: 'OUT_OF_RANGE',
  too_big: 'OUT_OF_RANGE',
  invalid_value: 'BAD_VALUE',
  invalid_format: 'BAD_VALUE',
  not_multiple_of: 'OUT_OF_RANGE',
  invalid_union: 'BAD_VALUE',
};

/** True when `path` names a key absent from an existing mapping. */
function isMissing(value: unknown, path: Path): boolean {
  if (path.length === 0) return false;
  let node = value;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  return (node as Record<string, unknown>)[String(path[path.length - 1])] === undefined;
}

function dedupe(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}|${issue.path}|${issue.line}|${issue.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
