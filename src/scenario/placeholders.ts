/**
 * Placeholders keep ports and addresses out of scenario files:
 *   ${port:agent}        a free port allocated per run under that name
 *   ${proxy:upstream}    the listen address (host:port) of the proxy named `upstream`
 *   ${env:NAME}          an environment variable; ${env:NAME:-fallback} with a default
 *   ${tmp:NAME}          a fresh temporary folder per scenario run (kept across restarts in it)
 * `$${` writes a literal `${`. Anything else inside `${...}` is an error, found at load time.
 */

export type PlaceholderKind = 'port' | 'proxy' | 'env' | 'tmp';

export interface Placeholder {
  kind: PlaceholderKind;
  name: string;
  /** Only for env: the text after `:-`. */
  fallback?: string;
  /** Offset of the `$` in the string, and the length of the whole `${...}`. */
  offset: number;
  length: number;
}

export interface PlaceholderProblem {
  offset: number;
  message: string;
}

const KINDS: readonly PlaceholderKind[] = ['port', 'proxy', 'env', 'tmp'];
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Every placeholder in `text`, and every malformed one as a problem. */
export function scanPlaceholders(text: string): { placeholders: Placeholder[]; problems: PlaceholderProblem[] } {
  const placeholders: Placeholder[] = [];
  const problems: PlaceholderProblem[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') continue;
    if (text[i + 1] === '$' && text[i + 2] === '{') {
      i += 2; // escaped: $${ is a literal ${
      continue;
    }
    if (text[i + 1] !== '{') continue;
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      problems.push({ offset: i, message: 'unclosed placeholder: "${" without "}"' });
      break;
    }
    const body = text.slice(i + 2, close);
    const colon = body.indexOf(':');
    const kind = colon === -1 ? body : body.slice(0, colon);
    const rest = colon === -1 ? '' : body.slice(colon + 1);
    if (!(KINDS as readonly string[]).includes(kind)) {
      problems.push({ offset: i, message: `unknown placeholder "\${${body}}"; expected \${port:NAME}, \${proxy:NAME}, \${env:NAME} or \${tmp:NAME}` });
    } else {
      const [name, fallback] = kind === 'env' && rest.includes(':-') ? [rest.slice(0, rest.indexOf(':-')), rest.slice(rest.indexOf(':-') + 2)] : [rest, undefined];
      if (!NAME.test(name)) {
        problems.push({ offset: i, message: `placeholder "\${${body}}" needs a name: letters, digits, "_", "-" or ".", starting with a letter or "_"` });
      } else {
        placeholders.push({ kind: kind as PlaceholderKind, name, ...(fallback === undefined ? {} : { fallback }), offset: i, length: close - i + 1 });
      }
    }
    i = close;
  }
  return { placeholders, problems };
}

/**
 * Replaces every placeholder using `resolve`, and `$${` by `${`. `resolve` returns the text to
 * put in, or undefined when it has no value (an env variable without fallback, say); such
 * placeholders are reported and left as written.
 */
export function expandPlaceholders(text: string, resolve: (placeholder: Placeholder) => string | undefined): { text: string; missing: Placeholder[] } {
  const { placeholders } = scanPlaceholders(text);
  const missing: Placeholder[] = [];
  let out = '';
  let cursor = 0;
  for (const placeholder of placeholders) {
    out += unescape(text.slice(cursor, placeholder.offset));
    const value = resolve(placeholder) ?? placeholder.fallback;
    if (value === undefined) {
      missing.push(placeholder);
      out += text.slice(placeholder.offset, placeholder.offset + placeholder.length);
    } else {
      out += value;
    }
    cursor = placeholder.offset + placeholder.length;
  }
  return { text: out + unescape(text.slice(cursor)), missing };
}

function unescape(text: string): string {
  return text.replaceAll('$${', '${');
}
