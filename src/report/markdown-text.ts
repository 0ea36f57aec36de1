/**
 * Text helpers for the Markdown summary: escaping report strings so that GitHub renders them
 * as the literal text they are, and a byte budget for its step-summary size limit.
 */

// C0 controls (other than tab and newline) and DEL: invisible at best, and GitHub may reject them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

// Characters that GitHub Flavored Markdown gives a meaning inline: emphasis, code, links and
// images, strikethrough, table cells, math, and the backslash itself. Escaped with a backslash,
// each renders as itself.
const PUNCTUATION = /[\\`*_[\]~|$]/g;

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * A report string as inline Markdown that shows exactly that string: no HTML (tags become
 * `&lt;…&gt;`), no formatting, no table-cell break; newlines become `<br>`, so the result fits
 * on one line of a list item or a table cell.
 */
export function md(text: string): string {
  return text
    .replace(CONTROL, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[&<>]/g, (c) => ENTITIES[c] as string)
    .replace(PUNCTUATION, (c) => `\\${c}`)
    .replace(/\t/g, ' ')
    .replace(/\n/g, '<br>');
}

/**
 * `md` for text that starts a line, where `#`, `-`, `+`, `=`, `1.` or indentation would make a
 * heading, a list or a code block of it.
 */
export function mdLine(text: string): string {
  return md(text.trimStart()).replace(/^([#+=-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A duration for people: `999 ms`, `8.48 s`, `12.5 s`, `125 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0)} s`;
}

/** A ratio as a percentage with two decimals: `0.0169` → `1.69%`. */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/**
 * Output under a size limit, in UTF-8 bytes. Pieces are added in order until one does not fit;
 * from then on only forced pieces (the truncation note, closing tags) are added, and `reserve`
 * bytes are kept for them.
 */
export class ByteBudget {
  readonly #parts: string[] = [];
  #bytes = 0;
  #full = false;

  constructor(
    private readonly max: number,
    private readonly reserve: number,
  ) {}

  get full(): boolean {
    return this.#full;
  }

  /** Adds `text` if it fits (and nothing was refused before); says whether it was added. */
  add(text: string): boolean {
    if (this.#full) return false;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.#bytes + bytes > this.max - this.reserve) {
      this.#full = true;
      return false;
    }
    this.#parts.push(text);
    this.#bytes += bytes;
    return true;
  }

  /** Adds `text` whatever the budget: for the few bytes `reserve` was kept for. */
  force(text: string): void {
    this.#parts.push(text);
    this.#bytes += Buffer.byteLength(text, 'utf8');
  }

  text(): string {
    return this.#parts.join('');
  }
}
