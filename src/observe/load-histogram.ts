import { encodeIntoCompressedBase64, Int32Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../record/types.js';

/** Range in µs: 1 µs to 60 s, 3 significant digits; slower values are clamped to the top (the timeout caps them anyway). */
const LOWEST_US = 1;
const HIGHEST_US = 60_000_000;
const DIGITS = 3;
/** Reset histograms kept for reuse: a load has one second open, a few while answers are late. */
const SPARE_MAX = 16;

/**
 * hdr-histogram-js's JS implementation, not its WebAssembly one: a WASM histogram lives outside
 * the GC heap and leaks unless destroy() is called on every path, and at a few per second the JS
 * one is fast enough. Its encoding is the standard V2 compressed base64 either way, so the
 * Recording's histograms decode in any HdrHistogram port. Each is 70 KB of counts, so they are
 * reset and reused rather than allocated every second.
 */
const spare: Int32Histogram[] = [];

function takeHistogram(): Int32Histogram {
  return spare.pop() ?? new Int32Histogram(LOWEST_US, HIGHEST_US, DIGITS);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Quantiles with HdrHistogram's own definition (value at or below which a share q of all values lies). */
const QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

/**
 * One latency series of one second: an HDR histogram (µs) for the percentiles and the encoding,
 * plus the exact count, sum and maximum in ms.
 */
export class LatencyTally {
  count = 0;
  private sum = 0;
  private max = 0;
  private histogram: Int32Histogram | undefined = takeHistogram();

  record(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    this.histogram?.recordValue(Math.min(HIGHEST_US, Math.max(LOWEST_US, Math.round(ms * 1000))));
  }

  /**
   * Count, exact mean and max, and the percentiles from the histogram (its bucket's highest
   * equivalent value, as HdrHistogram reports them, never above the exact max), in ms. One pass
   * over the counts for all four: getValueAtPercentile walks them from the start on every call.
   */
  summary(): LatencySummary {
    if (this.count === 0 || this.histogram === undefined) return { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
    const [p50 = 0, p90 = 0, p95 = 0, p99 = 0] = this.quantilesMs(QUANTILES);
    return { count: this.count, mean: round3(this.sum / this.count), p50, p90, p95, p99, max: round3(this.max) };
  }

  quantilesMs(quantiles: readonly number[]): number[] {
    const histogram = this.histogram;
    if (histogram === undefined || this.count === 0) return quantiles.map(() => 0);
    const ranks = quantiles.map((q) => Math.max(1, Math.ceil(q * histogram.totalCount - 1e-9)));
    const values: number[] = [];
    let cumulative = 0;
    for (let i = 0; i < histogram.countsArrayLength && values.length < ranks.length; i++) {
      const count = histogram.getCountAtIndex(i);
      if (count === 0) continue;
      cumulative += count;
      while (values.length < ranks.length && cumulative >= (ranks[values.length] ?? 0)) {
        values.push(round3(Math.min(histogram.highestEquivalentValue(histogram.valueFromIndex(i)) / 1000, this.max)));
      }
    }
    return values;
  }

  encode(): string {
    return this.histogram === undefined ? '' : encodeIntoCompressedBase64(this.histogram);
  }

  /** Returns the histogram for reuse; the tally is empty afterwards. */
  release(): void {
    const histogram = this.histogram;
    this.histogram = undefined;
    if (histogram === undefined || spare.length >= SPARE_MAX) return;
    histogram.reset();
    spare.push(histogram);
  }
}
