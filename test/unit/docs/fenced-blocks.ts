/** A fenced code block of a Markdown page. */
export interface FencedBlock {
  /** 1-based line of the first line inside the fence. */
  line: number;
  lang: string;
  /** The block's lines, each ending in a newline. */
  text: string;
}

/** The ``` blocks of a page, in order (unterminated ones are an error: the page is broken). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    if (end === lines.length) throw new Error(`line ${i + 1}: a code block is not closed`);
    blocks.push({ line: start + 1, lang: open[1] ?? '', text: lines.slice(start, end).map((l) => `${l}\n`).join('') });
    i = end;
  }
  return blocks;
}
