import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/processes.js';

/**
 * Relative links between the project's Markdown files lead somewhere: the file exists and, for
 * `file.md#anchor` or `#anchor`, one of its headings has that anchor (GitHub's rule: lower
 * case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats). Moving a section, as
 * the scenario reference moved from scenarios/README.md to docs/scenarios.md, breaks links
 * silently otherwise.
 */

const DOCS = [
  'README.md',
  'scenarios/README.md',
  'harness/agent/README.md',
  'bench/README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
].filter((file) => existsSync(path.join(ROOT, file)));

/** The lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(raw)?.[1];
    if (fence === undefined && marker !== undefined) fence = marker;
    else if (fence !== undefined && marker !== undefined && raw.trim().startsWith(fence) && raw.trim().replace(/[`~]/g, '') === '') fence = undefined;
    else if (fence === undefined) out.push({ line: index + 1, text: raw });
  });
  return out;
}

/** GitHub's heading anchor: lower case, drop everything but letters, digits, spaces, `-` and `_`, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of proseLines(readFileSync(path.join(ROOT, file), 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

interface Link {
  from: string;
  line: number;
  target: string;
}

function links(file: string): Link[] {
  const out: Link[] = [];
  for (const { line, text } of proseLines(readFileSync(path.join(ROOT, file), 'utf8'))) {
    // Inline code is not a link: `[a](b)` inside backticks is an example.
    const bare = text.replace(/(`+)(.+?)\1/g, '');
    for (const match of bare.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      out.push({ from: file, line, target });
    }
  }
  return out;
}

const all = DOCS.flatMap(links);

describe('links between the Markdown files', () => {
  it('finds the files and their links', () => {
    expect(DOCS).toContain('docs/scenarios.md');
    expect(all.length).toBeGreaterThan(50);
  });

  it('every relative link names a file or folder that exists, and a heading that exists', () => {
    const broken: string[] = [];
    for (const link of all) {
      const [pathPart = '', anchor] = link.target.split('#', 2);
      const resolved = pathPart === '' ? link.from : path.posix.normalize(path.posix.join(path.posix.dirname(link.from), decodeURIComponent(pathPart)));
      const absolute = path.join(ROOT, resolved);
      if (!existsSync(absolute)) {
        broken.push(`${link.from}:${link.line}: ${link.target} (no ${resolved})`);
        continue;
      }
      if (anchor === undefined || anchor === '' || !statSync(absolute).isFile() || !resolved.endsWith('.md')) continue;
      if (!anchors(resolved).has(anchor)) broken.push(`${link.from}:${link.line}: ${link.target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });

  it('slugs headings the way GitHub does', () => {
    expect(slug('5. The suite file (`faultline.yaml`)')).toBe('5-the-suite-file-faultlineyaml');
    expect(slug('Why `<Slo>TargetDown`')).toBe('why-slotargetdown');
    expect(slug('Multi-window, multi-burn-rate alerts')).toBe('multi-window-multi-burn-rate-alerts');
    expect(slug('5.6 `slos`')).toBe('56-slos');
  });
});
