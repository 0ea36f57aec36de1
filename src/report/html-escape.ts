/**
 * Escaping for the HTML report. Every string that comes from a report (scenario names, fault
 * names, evidence, messages, file paths) goes through one of these before it reaches the page:
 * a report is data from a run, and a scenario named `<script>` must print as text.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value: the five characters that can end either are replaced. */
export function esc(value: string | number | boolean | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` as \u escapes so that no
 * string can close the script element or open a comment, and the two line separators that
 * older parsers treat as line ends.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * An href for a file the report names relative to its folder, or null when the path is not a
 * plain relative path (a scheme such as `https:` or `javascript:`, `//host`, an absolute path):
 * the report opens from disk and must never point off the machine. Each segment is
 * percent-encoded, so `#`, `?` and `:` inside a name stay part of the name.
 */
export function relativeHref(file: string): string | null {
  const normalised = file.replace(/\\/g, '/');
  if (normalised === '' || normalised.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(normalised)) return null;
  return normalised
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** A fragment id made only of [a-z0-9-], unique by its index, readable by its name. */
export function anchorId(prefix: string, index: number, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return slug === '' ? `${prefix}-${index}` : `${prefix}-${index}-${slug}`;
}
