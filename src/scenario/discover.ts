import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FaultlineError } from '../errors.js';

/**
 * Which files to read for a set of paths: a folder means every suite file (`faultline.yaml`)
 * in it or below it, with the scenarios each suite's globs select; a suite file means that
 * suite; any other YAML file is a scenario of the nearest suite file in its folder or above.
 */

export const SUITE_FILE_NAMES = ['faultline.yaml', 'faultline.yml'] as const;

export function isSuiteFile(file: string): boolean {
  return (SUITE_FILE_NAMES as readonly string[]).includes(path.basename(file));
}

export interface SuitePlan {
  /** Absolute path of the suite file, or null when a scenario has no suite. */
  suite: string | null;
  /** Absolute paths of scenario files; null means "the suite's globs decide". */
  scenarios: string[] | null;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'reports']);

export async function planPaths(paths: readonly string[], cwd: string): Promise<SuitePlan[]> {
  const plans = new Map<string, SuitePlan>();
  const orphans: string[] = [];
  for (const input of paths) {
    const absolute = path.resolve(cwd, input);
    const info = await stat(absolute).catch((error: unknown) => {
      throw new FaultlineError('FAULTLINE_USAGE', `cannot read "${input}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : String(error)}`, {
        hint: 'give scenario files or folders that hold a faultline.yaml',
      });
    });
    if (info.isDirectory()) {
      const suites = await findSuiteFiles(absolute);
      if (suites.length === 0) throw new FaultlineError('FAULTLINE_USAGE', `no suite file (faultline.yaml) in "${input}" or below`, { hint: 'a scenario folder needs a faultline.yaml: see docs/scenarios.md' });
      for (const suite of suites) plans.set(suite, { suite, scenarios: null });
    } else if (isSuiteFile(absolute)) {
      plans.set(absolute, { suite: absolute, scenarios: null });
    } else {
      const suite = await nearestSuite(path.dirname(absolute));
      if (suite === null) {
        orphans.push(absolute);
        continue;
      }
      const plan = plans.get(suite) ?? { suite, scenarios: [] };
      if (plan.scenarios !== null && !plan.scenarios.includes(absolute)) plan.scenarios.push(absolute);
      plans.set(suite, plan);
    }
  }
  const out = [...plans.values()];
  if (orphans.length > 0) out.push({ suite: null, scenarios: orphans });
  return out;
}

async function findSuiteFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      found.push(...(await findSuiteFiles(path.join(dir, entry.name))));
    } else if (isSuiteFile(entry.name)) {
      found.push(path.join(dir, entry.name));
    }
  }
  return found;
}

async function nearestSuite(dir: string): Promise<string | null> {
  for (let current = dir; ; current = path.dirname(current)) {
    for (const name of SUITE_FILE_NAMES) {
      const candidate = path.join(current, name);
      if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
    }
    if (path.dirname(current) === current) return null;
  }
}

/** The scenario files a suite's globs select (relative to the suite file), sorted, minus suite files. */
export async function expandGlobs(suiteFile: string, globs: readonly string[]): Promise<string[]> {
  const base = path.dirname(suiteFile);
  const matchers = globs.map((glob) => globToRegExp(path.posix.normalize(glob.replaceAll('\\', '/'))));
  const files = new Set<string>();
  for (const glob of globs) {
    const prefix = staticPrefix(glob);
    const root = path.resolve(base, prefix);
    // Only walk down when the glob can match below its root (`**` or more than one segment left).
    const rest = glob.replaceAll('\\', '/').split('/').length - (prefix === '.' ? 0 : prefix.split('/').length);
    const recursive = glob.includes('**') || rest > 1;
    const entries = await readdir(root, { recursive, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const absolute = path.join(entry.parentPath, entry.name);
      const below = path.relative(root, absolute).split(path.sep).slice(0, -1);
      if (isSuiteFile(absolute) || below.some((part) => SKIP_DIRS.has(part) || part.startsWith('.'))) continue;
      const relative = path.relative(base, absolute).split(path.sep).join('/');
      if (matchers.some((m) => m.test(relative))) files.add(absolute);
    }
  }
  return [...files].sort();
}

function staticPrefix(glob: string): string {
  const parts = glob.replaceAll('\\', '/').split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (/[*?[]/.test(part)) break;
    fixed.push(part);
  }
  return fixed.join('/') || '.';
}

/** `*` within a segment, `**` across segments, `?` one character; `..` segments stay literal. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
