import type { ScenarioReport } from './model.js';

/**
 * What the timeline chart draws, panel by panel, taken from one scenario of the report. Values
 * are converted to the unit the panel shows (error ratio in %, memory in MB) here, once, so the
 * axis, the lines and the hover read-out agree. A panel whose data is all null is left out and
 * named in `missing`, so the page can say what was not recorded instead of drawing flat zeros.
 */

export type Colour = 'blue' | 'orange' | 'red' | 'purple' | 'green' | 'teal' | 'pink' | 'gray';

/** Colours for series without a fixed one (CPU and memory per process), in order. */
export const PALETTE: readonly Colour[] = ['blue', 'orange', 'teal', 'pink', 'purple', 'green', 'gray'];

export interface Line {
  label: string;
  colour: Colour;
  values: readonly (number | null)[];
  /** A secondary line (thinner, dashed): the short burn window, RSS beside the heap. */
  secondary?: boolean;
  /** Fill the area under the line (throughput, errors). */
  area?: boolean;
}

export interface Band {
  from: number;
  /** null: until the end of the chart. */
  to: number | null;
  state: 'UP' | 'DOWN' | 'UNREACHABLE';
}

export interface Panel {
  /** Stable key, e.g. "latency" or "burn:LatencyBurnFast". */
  key: string;
  title: string;
  /** Height of the plot area in SVG units. */
  height: number;
  /** Where a bucket's value belongs: its middle (a per-second count) or its end (the last evaluation in it). */
  at: 'middle' | 'end';
  lines: Line[];
  bands?: Band[];
  threshold?: { value: number; label: string };
  firing?: { from: number; to: number | null }[];
  /** Decimals and suffix of a value in the hover read-out. */
  digits: number;
  suffix: string;
  /** Axis labels get this suffix (e.g. "%"). */
  axisSuffix?: string;
  /** The y axis reaches at least this far (e.g. 1 core), so a flat low line is not blown up to full height. */
  minTop?: number;
}

const MB = 1024 * 1024;

export function timelinePanels(scenario: ScenarioReport): { panels: Panel[]; missing: string[] } {
  const { series } = scenario;
  const panels: Panel[] = [];
  const missing: string[] = [];
  // Lines without data are dropped (no legend entry for a series that was not recorded).
  const add = (panel: Panel, name: string, keep = false): void => {
    const lines = panel.lines.filter((l) => hasData(l.values));
    if (keep || lines.length > 0 || (panel.bands?.length ?? 0) > 0) panels.push({ ...panel, lines });
    else missing.push(name);
  };

  add({ key: 'health', title: 'Health', height: 16, at: 'middle', lines: [], bands: healthBands(scenario), digits: 0, suffix: '' }, 'health');
  add({ key: 'throughput', title: 'Throughput (req/s)', height: 64, at: 'middle', lines: [{ label: 'requests/s', colour: 'blue', values: series.rps }], digits: 0, suffix: ' req/s' }, 'throughput');
  add(
    {
      key: 'errors',
      title: 'Error ratio (%)',
      height: 56,
      at: 'middle',
      lines: [{ label: 'errors', colour: 'red', values: series.errorRatio.map((v) => (v === null ? null : round(v * 100, 3))), area: true }],
      digits: 2,
      suffix: '%',
      axisSuffix: '%',
      minTop: 1,
    },
    'error ratio',
  );
  add(
    {
      key: 'latency',
      title: 'Latency (ms)',
      height: 88,
      at: 'middle',
      lines: [
        { label: 'p50', colour: 'green', values: series.p50 },
        { label: 'p95', colour: 'orange', values: series.p95 },
        { label: 'p99', colour: 'red', values: series.p99 },
      ],
      digits: 1,
      suffix: ' ms',
    },
    'latency',
  );

  const named = new Set<string>();
  for (const alert of scenario.alerts) {
    named.add(alert.name);
    const burn = series.burn[alert.name];
    // An alert that fired is drawn even without burn rates: its firing periods are the point.
    add(burnPanel(alert.name, `${alert.slo}, ${alert.source}`, burn, alert.burnRate, alert.firing), `burn rate of ${alert.name}`, alert.firing.length > 0);
  }
  for (const [name, burn] of Object.entries(series.burn)) if (!named.has(name)) add(burnPanel(name, null, burn, null, []), `burn rate of ${name}`);

  const processes = Object.keys(series.cpu);
  add(
    {
      key: 'cpu',
      title: 'CPU (cores)',
      height: 56,
      at: 'middle',
      lines: processes.map((name, i) => ({ label: name, colour: PALETTE[i % PALETTE.length] ?? 'gray', values: series.cpu[name] ?? [] })),
      digits: 2,
      suffix: ' cores',
      minTop: 1,
    },
    'CPU',
  );

  const rssNames = Object.keys(series.rssBytes);
  const toMb = (values: readonly (number | null)[]) => values.map((v) => (v === null ? null : round(v / MB, 1)));
  add(
    {
      key: 'memory',
      title: 'Memory (MB)',
      height: 64,
      at: 'middle',
      lines: [
        { label: 'heap used (target)', colour: 'purple', values: toMb(series.heapUsedBytes) },
        ...rssNames.map((name, i): Line => ({ label: `RSS ${name}`, colour: PALETTE[i % PALETTE.length] ?? 'gray', values: toMb(series.rssBytes[name] ?? []), secondary: true })),
      ],
      digits: 1,
      suffix: ' MB',
    },
    'memory',
  );
  return { panels, missing };
}

function burnPanel(name: string, about: string | null, burn: { long: (number | null)[]; short: (number | null)[] } | undefined, threshold: number | null, firing: { from: number; to: number | null }[]): Panel {
  return {
    key: `burn:${name}`,
    title: `Burn rate · ${name}${about === null ? '' : ` (${about})`}`,
    height: 52,
    at: 'end',
    lines: [
      { label: 'long window', colour: 'purple', values: burn?.long ?? [] },
      { label: 'short window', colour: 'teal', values: burn?.short ?? [], secondary: true },
    ],
    ...(threshold === null ? {} : { threshold: { value: threshold, label: `${threshold}×` } }),
    firing,
    digits: 2,
    suffix: '×',
    axisSuffix: '×',
  };
}

/** Health as spans between its exact transitions; nothing before the first one. */
function healthBands(scenario: ScenarioReport): Band[] {
  const changes = scenario.healthChanges;
  return changes.map((change, i) => ({ from: change.t, to: changes[i + 1]?.t ?? null, state: change.state }));
}

export function hasData(values: readonly (number | null)[]): boolean {
  return values.some((v) => v !== null && Number.isFinite(v));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
