import { describe, expect, it } from 'vitest';
import { packMetrics, unpackMetrics } from '../../../src/record/metrics-pack.js';
import type { MetricsSample } from '../../../src/record/types.js';

describe('packed metrics', () => {
  const samples: MetricsSample[] = [
    { t: 0, up: true, points: [{ name: 'x_total', labels: { code: '200', route: '/a' }, value: 1 }, { name: 'x_total', labels: { code: '500', route: '/a' }, value: 0 }] },
    { t: 1000, up: false, points: [], error: 'connect ECONNREFUSED' },
    { t: 2000, up: true, points: [{ name: 'x_total', labels: { route: '/a', code: '200' }, value: 5 }, { name: 'y', labels: {}, value: 2.5 }] },
  ];

  it('stores each series once and a value per scrape (null when absent)', () => {
    const packed = packMetrics(samples);
    expect(packed.series).toEqual([
      { name: 'x_total', labels: { code: '200', route: '/a' } },
      { name: 'x_total', labels: { code: '500', route: '/a' } },
      { name: 'y', labels: {} },
    ]);
    expect(packed.samples.map((s) => s.values)).toEqual([
      [1, 0, null],
      [null, null, null],
      [5, null, 2.5],
    ]);
    expect(packed.samples[1]).toMatchObject({ up: false, error: 'connect ECONNREFUSED' });
  });

  it('unpacks to the same points (label order aside)', () => {
    const unpacked = unpackMetrics(packMetrics(samples));
    expect(unpacked.map((s) => [s.t, s.up, s.points.map((p) => [p.name, p.labels['code'] ?? '', p.value])])).toEqual(samples.map((s) => [s.t, s.up, s.points.map((p) => [p.name, p.labels['code'] ?? '', p.value])]));
  });
});
