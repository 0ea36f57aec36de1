export type CheckStatus = 'UP' | 'DOWN';

/**
 * Debounces a stream of good/bad observations so a check does not flap: it goes DOWN after
 * `failThreshold` bad observations in a row and back UP after `recoverThreshold` good ones.
 */
export class Hysteresis {
  #status: CheckStatus = 'UP';
  #bad = 0;
  #good = 0;

  constructor(
    private readonly failThreshold: number,
    private readonly recoverThreshold: number,
  ) {}

  get status(): CheckStatus {
    return this.#status;
  }

  /** Consecutive bad observations so far (0 after a good one). */
  get consecutiveBad(): number {
    return this.#bad;
  }

  observe(ok: boolean): CheckStatus {
    if (ok) {
      this.#bad = 0;
      this.#good++;
      if (this.#status === 'DOWN' && this.#good >= this.recoverThreshold) this.#status = 'UP';
    } else {
      this.#good = 0;
      this.#bad++;
      if (this.#status === 'UP' && this.#bad >= this.failThreshold) this.#status = 'DOWN';
    }
    return this.#status;
  }
}
