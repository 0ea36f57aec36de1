import { execa } from 'execa';
import { FaultlineError } from '../errors.js';

/**
 * Which release a run tested, so its report is filed under reports/<release>/: the first of
 * `--release`, FAULTLINE_RELEASE, the suite's `release:`, the git tag on HEAD, the short git
 * commit (with `-dirty` when the work tree has changes), or `unreleased` outside git.
 */

export interface ReleaseInfo {
  release: string;
  /** Where the name came from, for the run's first line. */
  from: 'flag' | 'env' | 'suite' | 'git-tag' | 'git-commit' | 'default';
  /** The full commit hash of HEAD, when the suite folder is in a git work tree. */
  commit: string | null;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

export function checkReleaseName(name: string, from: string): string {
  if (!SAFE.test(name) || name.includes('..')) {
    throw new FaultlineError('FAULTLINE_USAGE', `the release name ${JSON.stringify(name)} (from ${from}) cannot name a folder under reports/`, {
      hint: 'use letters, digits, ".", "_", "+" and "-" (up to 100, starting with a letter or digit), e.g. v1.4.0 or 2026.11.25-rc1',
    });
  }
  return name;
}

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await execa('git', args, { cwd, timeout: 5_000, reject: true });
    return stdout.trim() === '' ? null : stdout.trim();
  } catch {
    return null;
  }
}

export async function resolveRelease(options: { flag?: string | undefined; env?: string | undefined; suite?: string | null | undefined; cwd: string }): Promise<ReleaseInfo> {
  const commit = await git(options.cwd, ['rev-parse', '--verify', 'HEAD']);
  if (options.flag !== undefined && options.flag !== '') return { release: checkReleaseName(options.flag, '--release'), from: 'flag', commit };
  if (options.env !== undefined && options.env !== '') return { release: checkReleaseName(options.env, 'FAULTLINE_RELEASE'), from: 'env', commit };
  if (options.suite !== undefined && options.suite !== null) return { release: checkReleaseName(options.suite, 'the suite file'), from: 'suite', commit };
  if (commit === null) return { release: 'unreleased', from: 'default', commit: null };
  const tag = await git(options.cwd, ['describe', '--tags', '--exact-match', 'HEAD']);
  if (tag !== null && SAFE.test(tag) && !tag.includes('..')) return { release: tag, from: 'git-tag', commit };
  const dirty = (await git(options.cwd, ['status', '--porcelain', '--untracked-files=no'])) !== null;
  return { release: `${commit.slice(0, 12)}${dirty ? '-dirty' : ''}`, from: 'git-commit', commit };
}
