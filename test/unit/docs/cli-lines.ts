import { buildParser, DryRunParsed } from '../../../src/cli/parser.js';

/**
 * `faultline …` command lines as documentation shows them (shell in code blocks, YAML `run:`
 * and `script:` strings, inline code), and a check that the real CLI parser accepts each one.
 */

/** Stands in for every shell or CI expansion: `${{ matrix.shard }}/3` → `1/3`, `"$CI_NODE_INDEX/$CI_NODE_TOTAL"` → `1/1`. */
const PLACEHOLDER = '1';

interface Token {
  value: string;
  operator: boolean;
}

const OPERATORS = ['&&', '||', '2>&1', '>>', '2>', ';', '|', '>', '<'];
const SEPARATORS = new Set(['&&', '||', ';', '|']);

/** Expansions first, so that quoting decides only what is one word. */
function expand(line: string): string {
  return line
    .replace(/\$\{\{[^}]*\}\}/g, PLACEHOLDER)
    .replace(/\$\([^()]*\)/g, PLACEHOLDER)
    .replace(/\$\{\w+\}|\$\w+/g, PLACEHOLDER);
}

/** A small POSIX-shell tokenizer: words with '…' and "…" quoting, operators, # comments. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word: string | null = null;
  const flush = () => {
    if (word !== null) tokens.push({ value: word, operator: false });
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === ' ' || c === '\t') {
      flush();
      continue;
    }
    if (c === '#' && word === null) break;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) throw new Error(`unterminated ${c} in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
      continue;
    }
    const operator = word === null || c !== '2' ? OPERATORS.find((op) => line.startsWith(op, i)) : undefined;
    if (operator !== undefined) {
      flush();
      tokens.push({ value: operator, operator: true });
      i += operator.length - 1;
      continue;
    }
    word = (word ?? '') + c;
  }
  flush();
  return tokens;
}

/** The argv after `faultline` of every command in a shell text (continuation lines joined). */
export function faultlineCommands(text: string): string[][] {
  const commands: string[][] = [];
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    let segment: Token[] = [];
    for (const token of [...tokenize(expand(line)), { value: ';', operator: true }]) {
      if (!(token.operator && SEPARATORS.has(token.value))) {
        segment.push(token);
        continue;
      }
      // A redirection ends the command's own words.
      const cut = segment.findIndex((t) => t.operator);
      const words = (cut === -1 ? segment : segment.slice(0, cut)).map((t) => t.value);
      let start = 0;
      while (start < words.length && /^\w+=/.test(words[start] ?? '')) start++;
      if (words[start] === 'npx') start++;
      if (words[start] === 'faultline') commands.push(words.slice(start + 1));
      segment = [];
    }
  }
  return commands;
}

/** Parses argv with the real CLI parser without running anything: null when it is accepted, else why not. */
export async function rejection(argv: readonly string[]): Promise<string | null> {
  try {
    await buildParser(argv, { dryRun: true }).parseAsync();
    return 'parsed, but the dry run did not stop it (a --help or --version line?)';
  } catch (error) {
    return error instanceof DryRunParsed ? null : error instanceof Error ? error.message : String(error);
  }
}
