import type { Report } from './model.js';

/**
 * The end-of-run summary on the terminal, in the manner of k6's: a row per scenario, then the
 * totals as dotted key/value lines, then where the reports are. Rendered from the report
 * object like every other format (`faultline report` prints it too).
 */

const MARK = { pass: '✓', fail: '✗', inconclusive: '?' } as const;
const s = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderConsoleSummary(report: Report, where: { dir: string; files: readonly string[] }): string {
  const rows = report.scenarios.map((sc) => [
    `${MARK[sc.verdict]} ${sc.name}`,
    sc.verdict.toUpperCase(),
    `${sc.assertions.filter((a) => a.verdict === 'pass').length}/${sc.assertions.length}`,
    sc.score === null ? '-' : String(sc.score),
    sc.faults.map((f) => s(f.mttdMs)).join(' ') || '-',
    sc.faults.map((f) => s(f.mttrMs)).join(' ') || '-',
  ]);
  for (const skipped of report.skipped) rows.push([`- ${skipped.name}`, 'SKIPPED', '-', '-', '-', '-']);
  const header = ['scenario', 'verdict', 'passed', 'score', 'MTTD', 'MTTR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const out = ['', line(header), ...rows.map(line), ''];

  const { scenarios, assertions } = report.summary;
  const kv = (key: string, value: string) => `  ${key.padEnd(14, '.')}: ${value}`;
  out.push(kv('scenarios', `${scenarios.passed} passed, ${scenarios.failed} failed, ${scenarios.inconclusive} inconclusive${scenarios.skipped > 0 ? `, ${scenarios.skipped} skipped` : ''}`));
  out.push(kv('assertions', `${assertions.passed} passed, ${assertions.failed} failed, ${assertions.inconclusive} inconclusive`));
  const faults = report.scenarios.flatMap((sc) => sc.faults);
  const detected = faults.filter((f) => f.mttdMs !== null).map((f) => f.mttdMs as number);
  const recovered = faults.filter((f) => f.mttrMs !== null).map((f) => f.mttrMs as number);
  if (faults.length > 0) {
    out.push(kv('faults', `${plural(faults.length, 'fault')}, ${faults.filter((f) => f.effect === 'effective').length} effective, ${detected.length} detected, ${recovered.length} recovered`));
    if (detected.length > 0) out.push(kv('MTTD', `max ${s(Math.max(...detected))}, mean ${s(detected.reduce((a, b) => a + b, 0) / detected.length)}`));
    if (recovered.length > 0) out.push(kv('MTTR', `max ${s(Math.max(...recovered))}, mean ${s(recovered.reduce((a, b) => a + b, 0) / recovered.length)}`));
  }
  out.push(kv('score', report.run.score === null ? '-' : `${report.run.score} / 100`));
  out.push(kv('release', `${report.run.release}${report.run.commit === null ? '' : ` (${report.run.commit.slice(0, 12)})`}${report.run.shard === null ? '' : `, shard ${report.run.shard.index}/${report.run.shard.total}`}`));
  out.push(kv('verdict', `${report.run.verdict.toUpperCase()}: ${report.run.reason}`));
  if (where.files.length > 0) {
    const html = where.files.includes('report.html') ? 'report.html' : (where.files[0] as string);
    const others = where.files.filter((f) => f !== html);
    out.push(kv('report', `${where.dir}/${html}${others.length > 0 ? ` (+ ${others.join(', ')})` : ''}`));
  }
  return `${out.join('\n')}\n`;
}
