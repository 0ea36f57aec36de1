/** Keeps the last lines of a process's output, for error messages ("it said: ..."). */
export class LogTail {
  readonly #lines: string[] = [];
  #partial = '';

  constructor(readonly size = 20) {}

  push(chunk: string): string[] {
    const text = this.#partial + chunk;
    const parts = text.split(/\r?\n/);
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > this.size) this.#lines.shift();
    }
    return parts;
  }

  lines(): string[] {
    return this.#partial === '' ? [...this.#lines] : [...this.#lines, this.#partial].slice(-this.size);
  }
}
