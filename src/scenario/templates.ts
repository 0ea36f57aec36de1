import type { ScenarioIssue, SourceFile } from './source.js';
import { formatPath, type Path } from './source.js';
import { expandPlaceholders, scanPlaceholders, type Placeholder } from './placeholders.js';

/**
 * Where `${port:NAME}` and `${proxy:NAME}` may appear: the fields that address processes and
 * sockets. `${env:NAME}` may appear in any string and is expanded at load time, before the
 * schema sees the value (so `rate: ${env:RATE:-50/s}` works). `*` matches one path segment,
 * `**` any number.
 */
const PROCESS_TEMPLATES = ['command', 'command.*', 'env.*', 'ready.http', 'ready.tcp', 'ready.log'];
const LOAD_TEMPLATES = ['load.request.url', 'load.request.headers.*', 'load.request.body', 'load.request.body.**'];

export const SUITE_TEMPLATE_PATHS: readonly string[] = [
  ...PROCESS_TEMPLATES.map((p) => `services.*.${p}`),
  ...PROCESS_TEMPLATES.map((p) => `target.${p}`),
  'target.health.url',
  'target.metrics.url',
  'proxies.*.upstream',
  'proxies.*.listen',
  ...LOAD_TEMPLATES,
];

export const SCENARIO_TEMPLATE_PATHS: readonly string[] = [...LOAD_TEMPLATES, 'expect.durability.url'];

function matchesPattern(pattern: readonly string[], path: Path, from = 0, at = 0): boolean {
  if (from === pattern.length) return at === path.length;
  const head = pattern[from];
  if (head === '**') {
    for (let rest = at; rest <= path.length; rest++) if (matchesPattern(pattern, path, from + 1, rest)) return true;
    return false;
  }
  if (at >= path.length) return false;
  return (head === '*' || head === String(path[at])) && matchesPattern(pattern, path, from + 1, at + 1);
}

export function isTemplatePath(patterns: readonly string[], path: Path): boolean {
  return patterns.some((pattern) => matchesPattern(pattern.split('.'), path));
}

export interface PlaceholderUse {
  kind: 'port' | 'proxy' | 'tmp';
  name: string;
  path: Path;
  text: string;
}

export interface PreparedDocument {
  value: unknown;
  issues: ScenarioIssue[];
  /** port and proxy placeholders found in template fields, for the semantic checks. */
  uses: PlaceholderUse[];
}

/**
 * Walks the plain document: reports malformed placeholders, port/proxy placeholders outside
 * template fields and unset environment variables; expands `${env:...}` everywhere. Template
 * fields keep their other placeholders and `$${` escapes for the runner; other fields get
 * `$${` unescaped.
 */
export function preparePlaceholders(value: unknown, source: SourceFile, templatePaths: readonly string[], env: Readonly<Record<string, string | undefined>>): PreparedDocument {
  const issues: ScenarioIssue[] = [];
  const uses: PlaceholderUse[] = [];
  const issue = (path: Path, needle: string, code: string, message: string, hint?: string) => {
    const { line, column } = source.locateText(path, needle);
    issues.push({ code, file: source.file, line, column, path: formatPath(path), message, ...(hint === undefined ? {} : { hint }) });
  };

  const visit = (node: unknown, path: Path): unknown => {
    if (typeof node === 'string') return visitString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return node;
  };

  const visitString = (text: string, path: Path): string => {
    if (!text.includes('$')) return text;
    const { placeholders, problems } = scanPlaceholders(text);
    for (const problem of problems) {
      issue(path, text.slice(problem.offset, text.indexOf('}', problem.offset) + 1 || undefined), 'BAD_PLACEHOLDER', problem.message, 'placeholders are ${port:NAME}, ${proxy:NAME}, ${tmp:NAME} and ${env:NAME} or ${env:NAME:-default}; write $${ for a literal ${');
    }
    const template = isTemplatePath(templatePaths, path);
    for (const placeholder of placeholders) {
      if (placeholder.kind === 'env') continue;
      const written = text.slice(placeholder.offset, placeholder.offset + placeholder.length);
      if (!template) {
        issue(path, written, 'PLACEHOLDER_NOT_ALLOWED', `${written} cannot be used in ${formatPath(path)}`, '${port:...}, ${proxy:...} and ${tmp:...} work in commands, env, ready, health and metrics URLs, proxies, load requests and expect.durability.url');
      } else {
        uses.push({ kind: placeholder.kind, name: placeholder.name, path, text: written });
      }
    }
    if (problems.length > 0) return text;
    return expandEnv(text, placeholders, template, env, (placeholder) => {
      const written = text.slice(placeholder.offset, placeholder.offset + placeholder.length);
      issue(path, written, 'ENV_UNSET', `environment variable ${placeholder.name} is not set`, `export ${placeholder.name}, or give a default: \${env:${placeholder.name}:-value}`);
    });
  };

  return { value: visit(value, []), issues, uses };
}

/** Like a shell's `${NAME:-default}`: the default also stands in for an empty variable. */
function envValue(env: Readonly<Record<string, string | undefined>>, placeholder: Placeholder): string | undefined {
  const value = env[placeholder.name];
  return (value === undefined || value === '') && placeholder.fallback !== undefined ? placeholder.fallback : value;
}

function expandEnv(text: string, placeholders: readonly Placeholder[], template: boolean, env: Readonly<Record<string, string | undefined>>, missing: (placeholder: Placeholder) => void): string {
  if (!template) {
    const { text: out, missing: unset } = expandPlaceholders(text, (p) => (p.kind === 'env' ? envValue(env, p) : undefined));
    for (const placeholder of unset) if (placeholder.kind === 'env') missing(placeholder);
    return out;
  }
  // Template fields: expand env only, keep everything else verbatim for the runner. An env
  // value is inserted escaped, so a `${` inside it is never read as a placeholder later.
  let out = '';
  let cursor = 0;
  for (const placeholder of placeholders) {
    if (placeholder.kind !== 'env') continue;
    const value = envValue(env, placeholder);
    out += text.slice(cursor, placeholder.offset);
    if (value === undefined) {
      missing(placeholder);
      out += text.slice(placeholder.offset, placeholder.offset + placeholder.length);
    } else {
      out += value.replaceAll('${', () => '$${');
    }
    cursor = placeholder.offset + placeholder.length;
  }
  return out + text.slice(cursor);
}

/** The runner's expansion of a template once ports and proxies are known. */
export function expandTemplate(template: string, values: { port: (name: string) => number | undefined; proxy: (name: string) => string | undefined; tmp: (name: string) => string | undefined }): string {
  const { text, missing } = expandPlaceholders(template, (p) => (p.kind === 'port' ? values.port(p.name)?.toString() : p.kind === 'proxy' ? values.proxy(p.name) : p.kind === 'tmp' ? values.tmp(p.name) : undefined));
  if (missing.length > 0) throw new Error(`no value for ${missing.map((p) => `\${${p.kind}:${p.name}}`).join(', ')}`);
  return text;
}
