import { isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** A position in a source file, 1-based like editors show it. */
export interface Position {
  line: number;
  column: number;
}

export type Path = readonly (string | number)[];

/** Where in a file something is wrong. */
export interface ScenarioIssue {
  /** A stable code tests and tools match on, e.g. YAML_SYNTAX, UNKNOWN_KEY, BAD_DURATION. */
  code: string;
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. faults[0].network.latency ('' for the file). */
  path: string;
  message: string;
  hint?: string;
}

/**
 * One YAML file with positions: parse errors become issues, and any path in the document can
 * be mapped back to the line and column of its value (or of its key, for unknown keys).
 */
export class SourceFile {
  readonly document: Document.Parsed;
  /** Offsets where each line starts (the parser's own line counter loses lines after a syntax error). */
  readonly #lineStarts: number[];
  readonly #text: string;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.#text = text;
    this.#lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\n') this.#lineStarts.push(i + 1);
      else if (text[i] === '\r' && text[i + 1] !== '\n') this.#lineStarts.push(i + 1);
    }
    this.document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  }

  /** YAML syntax errors (and duplicate keys), as issues. */
  syntaxIssues(): ScenarioIssue[] {
    return this.document.errors.map((error) => {
      const { line, column } = this.#position(this.#syntaxOffset(error.code, error.message, error.pos[0]));
      return {
        code: error.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX',
        file: this.file,
        line,
        column,
        path: '',
        message: firstLine(error.message),
      };
    });
  }

  /** The plain JavaScript value of the document (undefined for an empty file). */
  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 100 }) as unknown;
  }

  /**
   * The position of the value at `path`, or of the closest existing ancestor. With `key`, the
   * position of the key itself (for "unknown key" issues).
   */
  locate(path: Path, options: { key?: boolean } = {}): Position {
    let node: unknown = this.document.contents;
    let found: Node | undefined = isNode(node) ? node : undefined;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] as string | number;
      if (options.key === true && i === path.length - 1 && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair !== undefined && isNode(pair.key)) return this.#position(pair.key.range?.[0] ?? 0);
      }
      const next = child(node, segment);
      if (!isNode(next)) break;
      node = next;
      found = next;
    }
    return this.#position(found?.range?.[0] ?? 0);
  }

  /**
   * yaml reports an unclosed quote or flow collection where it gave up (often the next line);
   * the user needs the opening character, so walk back to it.
   */
  #syntaxOffset(code: string, message: string, offset: number): number {
    const text = this.#text;
    if (code === 'MISSING_CHAR' && /quote/.test(message)) {
      const quote = message.includes('"') ? '"' : "'";
      for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
        if (text[i] !== quote || (quote === '"' && text[i - 1] === '\\')) continue;
        const before = text.slice(text.lastIndexOf('\n', i - 1) + 1, i).trimEnd();
        if (before === '' || /[:\-[{,?]$/.test(before)) return i;
      }
    }
    const close = /end with an? ([}\]])/.exec(message)?.[1] ?? (code === 'MISSING_CHAR' && /[}\]]/.test(message) ? /[}\]]/.exec(message)?.[0] : undefined);
    if (close !== undefined) {
      const open = close === '}' ? '{' : '[';
      let depth = 0;
      for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
        if (text[i] === close) depth++;
        else if (text[i] === open) {
          if (depth === 0) return i;
          depth--;
        }
      }
    }
    return offset;
  }

  /**
   * The position of `needle` inside the string value at `path` when it appears there verbatim
   * (a placeholder, say); otherwise the position of the value.
   */
  locateText(path: Path, needle: string): Position {
    const node = this.#nodeAt(path);
    if (isScalar(node) && node.range !== undefined && node.range !== null) {
      const index = this.#text.slice(node.range[0], node.range[1]).indexOf(needle);
      if (index >= 0) return this.#position(node.range[0] + index);
    }
    return this.locate(path);
  }

  #nodeAt(path: Path): unknown {
    let node: unknown = this.document.contents;
    for (const segment of path) {
      const next = child(node, segment);
      if (!isNode(next)) return undefined;
      node = next;
    }
    return node;
  }

  #position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.#text.length));
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#lineStarts[mid] as number) <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - (this.#lineStarts[low] as number) + 1 };
  }

  /** Two lines of context and a caret under the column, for the terminal. */
  codeFrame(line: number, column: number): string {
    const lines = this.#text.split(/\r?\n/);
    const width = String(line).length;
    const out: string[] = [];
    for (let n = Math.max(1, line - 1); n <= line; n++) {
      out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
    }
    out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
    return out.join('\n');
  }
}

/** The child of a map (by key, compared as text: `8080:` is the key "8080") or of a sequence. */
function child(node: unknown, segment: string | number): unknown {
  if (isMap(node)) return node.items.find((pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key)) === String(segment))?.value;
  if (isSeq(node)) return typeof segment === 'number' ? node.items[segment] : undefined;
  return undefined;
}

/** Dotted form of a path: ['faults', 0, 'network'] → faults[0].network. */
export function formatPath(path: Path): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`), '');
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
