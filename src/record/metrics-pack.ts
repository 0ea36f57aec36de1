import type { MetricPoint, MetricsSample, RecordedMetrics } from './types.js';

/** Packs scraper samples into the Recording's form. */
export function packMetrics(samples: readonly MetricsSample[]): RecordedMetrics {
  const index = new Map<string, number>();
  const series: RecordedMetrics['series'] = [];
  const keyOf = (p: MetricPoint) => `${p.name}${JSON.stringify(Object.entries(p.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
  for (const sample of samples) {
    for (const point of sample.points) {
      const key = keyOf(point);
      if (!index.has(key)) {
        index.set(key, series.length);
        series.push({ name: point.name, labels: point.labels });
      }
    }
  }
  return {
    series,
    samples: samples.map((sample) => {
      const values: (number | null)[] = series.map(() => null);
      for (const point of sample.points) values[index.get(keyOf(point)) as number] = point.value;
      return { t: sample.t, up: sample.up, ...(sample.error === undefined ? {} : { error: sample.error }), values };
    }),
  };
}

/** The other way, for readers that want points. */
export function unpackMetrics(metrics: RecordedMetrics): MetricsSample[] {
  return metrics.samples.map((sample) => ({
    t: sample.t,
    up: sample.up,
    ...(sample.error === undefined ? {} : { error: sample.error }),
    points: sample.values.flatMap((value, i) => (value === null ? [] : [{ ...(metrics.series[i] as { name: string; labels: Record<string, string> }), value }])),
  }));
}
