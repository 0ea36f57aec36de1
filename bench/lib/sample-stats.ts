import { round } from './closed-loop.js';

/**
 * Statistics over raw samples (milliseconds). The Toxiproxy bench keeps every sample rather
 * than an HDR histogram: it needs differences of medians, signed errors and a KS test, and
 * its sample counts are small enough (at most a few hundred thousand numbers) to sort.
 */

export interface SampleSummary {
  samples: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

/** Nearest-rank percentile of an ascending array; undefined when it is empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number | undefined {
  return percentile(ascending(values), 50);
}

function ms(value: number | undefined): number | null {
  return value === undefined ? null : round(value, 3);
}

export function summarize(values: readonly number[]): SampleSummary {
  const sorted = ascending(values);
  const mean = sorted.length === 0 ? undefined : sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    samples: sorted.length,
    p50Ms: ms(percentile(sorted, 50)),
    p90Ms: ms(percentile(sorted, 90)),
    p99Ms: ms(percentile(sorted, 99)),
    maxMs: ms(sorted[sorted.length - 1]),
    meanMs: ms(mean),
  };
}

export interface KsResult {
  n: number;
  /** Largest distance between the empirical CDF and the uniform CDF. */
  d: number;
  /** Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction). */
  pValue: number;
  /** D above which the fit is rejected at the 0.01 level: 1.63 / sqrt(n). */
  critical01: number;
  rejected01: boolean;
}

/** One-sample Kolmogorov–Smirnov test of `values` against the continuous uniform law on [lo, hi). */
export function ksUniform(values: readonly number[], lo: number, hi: number): KsResult {
  const sorted = ascending(values);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
    // The empirical CDF jumps at x from i/n to (i+1)/n: check both sides of the step.
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n);
  });
  const critical01 = n > 0 ? 1.63 / Math.sqrt(n) : Number.NaN;
  return { n, d: round(d, 4), pValue: round(kolmogorovQ(n, d), 4), critical01: round(critical01, 4), rejected01: !(d <= critical01) };
}

/** P(D_n > d) under the null hypothesis, by the alternating series of the Kolmogorov distribution. */
function kolmogorovQ(n: number, d: number): number {
  if (n === 0) return Number.NaN;
  const sqrtN = Math.sqrt(n);
  const lambda = (sqrtN + 0.12 + 0.11 / sqrtN) * d;
  // Below ~0.2 the series converges too slowly to be worth summing, and Q is 1 to 4 digits.
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-12) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
