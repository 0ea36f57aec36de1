import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultlineError } from '../../../src/errors.js';
import { SUITE_FILE_NAMES, expandGlobs, globToRegExp, isSuiteFile, planPaths } from '../../../src/scenario/discover.js';

describe('globToRegExp', () => {
  it.each<[string, string, boolean]>([
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', '.yaml', true],
    ['*.yaml', 'a.yml', false],
    ['*.yaml', 'a.yamlx', false],
    ['*.yaml', 'sub/a.yaml', false],
    ['*.yaml', 'aXyaml', false],
    ['*.y?ml', 'a.yaml', true],
    ['*.y?ml', 'a.yml', false],
    ['?.yaml', 'a.yaml', true],
    ['?.yaml', 'ab.yaml', false],
    ['?.yaml', '/.yaml', false],
    ['sub/*.yaml', 'sub/a.yaml', true],
    ['sub/*.yaml', 'sub/x/a.yaml', false],
    ['sub/*.yaml', 'other/a.yaml', false],
    // **/ is zero or more whole folders.
    ['**/*.yaml', 'a.yaml', true],
    ['**/*.yaml', 'x/a.yaml', true],
    ['**/*.yaml', 'x/y/z/a.yaml', true],
    ['**/*.yaml', 'x/a.yml', false],
    ['chaos/**/*.yaml', 'chaos/a.yaml', true],
    ['chaos/**/*.yaml', 'chaos/x/y/a.yaml', true],
    ['chaos/**/*.yaml', 'chaosx/a.yaml', false],
    ['chaos/**/*.yaml', 'other/chaos/a.yaml', false],
    // ** not followed by / is anything, slashes included.
    ['chaos/**', 'chaos/x/y/a.yaml', true],
    ['chaos/**', 'chaos', false],
    ['**', 'anything/at/all', true],
    // .. stays literal, so globs can reach next to or above the suite.
    ['../*.yaml', '../a.yaml', true],
    ['../*.yaml', 'a.yaml', false],
    ['../*.yaml', '../x/a.yaml', false],
    ['../shared/**/*.yaml', '../shared/x/a.yaml', true],
    // Regex metacharacters are literal.
    ['a+b (1)[x]{2}|^$.yaml', 'a+b (1)[x]{2}|^$.yaml', true],
    ['a+b.yaml', 'aab.yaml', false],
    ['a\\b.yaml', 'a\\b.yaml', true],
  ])('%s vs %s → %s', (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });
});

describe('isSuiteFile', () => {
  it.each<[string, boolean]>([
    ['faultline.yaml', true],
    ['faultline.yml', true],
    ['/x/y/faultline.yaml', true],
    ['scenarios/faultline.yml', true],
    ['faultline.yaml.bak', false],
    ['my-faultline.yaml', false],
    ['Faultline.yaml', false],
    ['a.yaml', false],
  ])('%s → %s', (file, expected) => {
    expect(isSuiteFile(file)).toBe(expected);
  });

  it('knows both spellings', () => {
    expect([...SUITE_FILE_NAMES]).toEqual(['faultline.yaml', 'faultline.yml']);
  });
});

/**
 * root/                          suite A
 *   faultline.yaml  a.yaml  b.yml  notes.txt
 *   sub/c.yaml  sub/deep/d.yaml  sub/node_modules/x.yaml  sub/dist/y.yaml
 *   nested/                      suite B (faultline.yml)
 *     faultline.yml  e.yaml  inner/f.yaml
 *   node_modules/pkg/faultline.yaml    skipped
 *   .hidden/faultline.yaml             skipped
 *   dist/faultline.yaml                skipped
 *   reports/run/faultline.yaml         skipped
 *   zeta/faultline.yaml          suite C
 *   empty/                       no suite below it
 * lonely/orphan.yaml             (a second temp root without any suite)
 */
describe('planPaths and expandGlobs on a real folder', () => {
  let root = '';
  let lonely = '';
  const at = (...parts: string[]) => path.join(root, ...parts);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'faultline-discover-'));
    lonely = await mkdtemp(path.join(os.tmpdir(), 'faultline-lonely-'));
    const files = [
      'faultline.yaml',
      'a.yaml',
      'b.yml',
      'notes.txt',
      'sub/c.yaml',
      'sub/deep/d.yaml',
      'sub/node_modules/x.yaml',
      'sub/dist/y.yaml',
      'nested/faultline.yml',
      'nested/e.yaml',
      'nested/inner/f.yaml',
      'node_modules/pkg/faultline.yaml',
      '.hidden/faultline.yaml',
      'dist/faultline.yaml',
      'reports/run/faultline.yaml',
      'zeta/faultline.yaml',
    ];
    for (const file of files) {
      await mkdir(path.dirname(at(file)), { recursive: true });
      await writeFile(at(file), `# ${file}\n`);
    }
    await mkdir(at('empty', 'still-empty'), { recursive: true });
    await writeFile(path.join(lonely, 'orphan.yaml'), 'name: orphan\n');
  });

  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
    if (lonely !== '') await rm(lonely, { recursive: true, force: true });
  });

  describe('planPaths', () => {
    it('finds every suite file below a folder, sorted, skipping node_modules, dist, reports and dot folders', async () => {
      expect(await planPaths(['.'], root)).toEqual([
        { suite: at('faultline.yaml'), scenarios: null },
        { suite: at('nested', 'faultline.yml'), scenarios: null },
        { suite: at('zeta', 'faultline.yaml'), scenarios: null },
      ]);
    });

    it('takes absolute paths and paths relative to cwd alike', async () => {
      expect(await planPaths([at('nested')], '/')).toEqual([{ suite: at('nested', 'faultline.yml'), scenarios: null }]);
      expect(await planPaths(['nested'], root)).toEqual([{ suite: at('nested', 'faultline.yml'), scenarios: null }]);
      expect(await planPaths(['./sub/../nested/'], root)).toEqual([{ suite: at('nested', 'faultline.yml'), scenarios: null }]);
    });

    it('takes a suite file as that suite, its globs deciding the scenarios', async () => {
      expect(await planPaths(['nested/faultline.yml'], root)).toEqual([{ suite: at('nested', 'faultline.yml'), scenarios: null }]);
      expect(await planPaths(['faultline.yaml'], root)).toEqual([{ suite: at('faultline.yaml'), scenarios: null }]);
    });

    it('gives a scenario file to the nearest suite in its folder or above', async () => {
      expect(await planPaths(['a.yaml'], root)).toEqual([{ suite: at('faultline.yaml'), scenarios: [at('a.yaml')] }]);
      expect(await planPaths(['sub/deep/d.yaml'], root)).toEqual([{ suite: at('faultline.yaml'), scenarios: [at('sub', 'deep', 'd.yaml')] }]);
      expect(await planPaths(['nested/inner/f.yaml'], root)).toEqual([{ suite: at('nested', 'faultline.yml'), scenarios: [at('nested', 'inner', 'f.yaml')] }]);
    });

    it('groups scenario files by suite, once each, in the order given', async () => {
      expect(await planPaths(['sub/c.yaml', 'nested/e.yaml', 'a.yaml', 'sub/c.yaml', at('a.yaml')], root)).toEqual([
        { suite: at('faultline.yaml'), scenarios: [at('sub', 'c.yaml'), at('a.yaml')] },
        { suite: at('nested', 'faultline.yml'), scenarios: [at('nested', 'e.yaml')] },
      ]);
    });

    it('lets a suite named as a whole win over single scenario files of it, in either order', async () => {
      const whole = [{ suite: at('faultline.yaml'), scenarios: null }];
      expect(await planPaths(['a.yaml', 'faultline.yaml'], root)).toEqual(whole);
      expect(await planPaths(['faultline.yaml', 'a.yaml'], root)).toEqual(whole);
    });

    it('collects scenario files without any suite above them into one suite-less plan, last', async () => {
      expect(await planPaths([path.join(lonely, 'orphan.yaml'), at('zeta')], '/')).toEqual([
        { suite: at('zeta', 'faultline.yaml'), scenarios: null },
        { suite: null, scenarios: [path.join(lonely, 'orphan.yaml')] },
      ]);
    });

    it('refuses a missing path with FAULTLINE_USAGE naming it as given', async () => {
      const error: unknown = await planPaths(['does/not/exist.yaml'], root).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FaultlineError);
      expect(error).toMatchObject({ code: 'FAULTLINE_USAGE', message: 'cannot read "does/not/exist.yaml": no such file or folder' });
      expect((error as FaultlineError).hint).toMatch(/faultline\.yaml/);
    });

    it('refuses a folder with no suite file in it or below with FAULTLINE_USAGE', async () => {
      await expect(planPaths(['empty'], root)).rejects.toMatchObject({ code: 'FAULTLINE_USAGE', message: 'no suite file (faultline.yaml) in "empty" or below' });
      // sub/ only has scenarios (and skipped folders): no suite.
      await expect(planPaths(['sub'], root)).rejects.toBeInstanceOf(FaultlineError);
    });

    it('skips folders below the folder named, not the folder named itself', async () => {
      expect(await planPaths(['node_modules'], root)).toEqual([{ suite: at('node_modules', 'pkg', 'faultline.yaml'), scenarios: null }]);
      expect(await planPaths(['.hidden'], root)).toEqual([{ suite: at('.hidden', 'faultline.yaml'), scenarios: null }]);
    });

    it('returns nothing for no paths', async () => {
      expect(await planPaths([], root)).toEqual([]);
    });
  });

  describe('expandGlobs', () => {
    it('selects the suite folder\'s YAML files with the default globs, not the suite file or other folders', async () => {
      expect(await expandGlobs(at('faultline.yaml'), ['*.yaml', '*.yml'])).toEqual([at('a.yaml'), at('b.yml')]);
      expect(await expandGlobs(at('nested', 'faultline.yml'), ['*.yaml', '*.yml'])).toEqual([at('nested', 'e.yaml')]);
    });

    it('goes into folders with **, skipping node_modules and dist and suite files', async () => {
      expect(await expandGlobs(at('faultline.yaml'), ['sub/**/*.yaml'])).toEqual([at('sub', 'c.yaml'), at('sub', 'deep', 'd.yaml')]);
      expect(await expandGlobs(at('nested', 'faultline.yml'), ['**/*.yaml'])).toEqual([at('nested', 'e.yaml'), at('nested', 'inner', 'f.yaml')]);
    });

    it('reaches above a nested suite with ../', async () => {
      expect(await expandGlobs(at('nested', 'faultline.yml'), ['../*.yaml'])).toEqual([at('a.yaml')]);
      expect(await expandGlobs(at('nested', 'faultline.yml'), ['../*.yaml', '../*.yml', 'inner/*.yaml'])).toEqual([at('a.yaml'), at('b.yml'), at('nested', 'inner', 'f.yaml')]);
      expect(await expandGlobs(at('nested', 'faultline.yml'), ['../sub/*.yaml'])).toEqual([at('sub', 'c.yaml')]);
    });

    it('normalises ./, a/../ and backslashes in globs', async () => {
      expect(await expandGlobs(at('faultline.yaml'), ['./*.yml'])).toEqual([at('b.yml')]);
      expect(await expandGlobs(at('faultline.yaml'), ['nested/../sub/*.yaml'])).toEqual([at('sub', 'c.yaml')]);
      expect(await expandGlobs(at('faultline.yaml'), ['sub\\deep\\*.yaml'])).toEqual([at('sub', 'deep', 'd.yaml')]);
    });

    it('names files exactly, once each, sorted', async () => {
      expect(await expandGlobs(at('faultline.yaml'), ['sub/c.yaml', 'a.yaml', '*.yaml', 'notes.txt'])).toEqual([at('a.yaml'), at('notes.txt'), at('sub', 'c.yaml')]);
    });

    it('selects nothing for globs into missing folders or with no match', async () => {
      expect(await expandGlobs(at('faultline.yaml'), ['missing/*.yaml', '*.json'])).toEqual([]);
      expect(await expandGlobs(at('faultline.yaml'), [])).toEqual([]);
    });
  });
});

describe('expandGlobs under a folder that happens to be named like a skipped one', () => {
  let root = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'faultline-skipdir-'));
    await mkdir(path.join(root, 'dist', 'project'), { recursive: true });
    await writeFile(path.join(root, 'dist', 'project', 'faultline.yaml'), '# suite\n');
    await writeFile(path.join(root, 'dist', 'project', 'a.yaml'), '# scenario\n');
  });

  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('finds the suite when named directly', async () => {
    expect(await planPaths([path.join(root, 'dist', 'project')], '/')).toEqual([{ suite: path.join(root, 'dist', 'project', 'faultline.yaml'), scenarios: null }]);
  });

  // Regression (src/scenario/discover.ts, expandGlobs): the node_modules/dist/reports filter
  // looks at every segment of the ABSOLUTE path, so a suite checked out anywhere below a
  // folder called dist, reports or node_modules (e.g. /home/ci/reports/app/scenarios) gets
  // no scenarios at all. It should only look at the part below the glob's root (or the
  // suite's folder).
  it('still selects the scenarios next to the suite', async () => {
    expect(await expandGlobs(path.join(root, 'dist', 'project', 'faultline.yaml'), ['*.yaml'])).toEqual([path.join(root, 'dist', 'project', 'a.yaml')]);
  });
});
