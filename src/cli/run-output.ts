import type { ScenarioReport } from '../run/suite-run.js';

/**
 * What `faultline run` prints while it runs: a live status line in a terminal, plain lines in
 * CI or when piped (one every 5 s, plus every phase and fault change). The end-of-run summary
 * of the judge and reports comes with later issues.
 */
export interface ConsoleReporter {
  (report: ScenarioReport): void;
  /** Ends a live line, if one is showing. */
  done(): void;
}

const MARK = { pass: 'ok  ', fail: 'FAIL', inconclusive: '??  ' } as const;

export function consoleReporter(out: NodeJS.WriteStream, options: { live: boolean }): ConsoleReporter {
  let liveShown = false;
  let lastPlain = -Infinity;
  let lastKey = '';
  const clearLive = () => {
    if (liveShown) {
      out.write('\r\x1b[2K');
      liveShown = false;
    }
  };
  const reporter = ((report: ScenarioReport) => {
    switch (report.type) {
      case 'scenario-start':
        clearLive();
        lastKey = '';
        out.write(`[${report.index + 1}/${report.total}] ${report.scenario.name}: ${(report.scenario.durationMs / 1000).toFixed(0)} s timeline, ${report.scenario.faults.length} fault${report.scenario.faults.length === 1 ? '' : 's'}\n`);
        return;
      case 'scenario-skipped':
        clearLive();
        out.write(`skipped ${report.scenario}: ${report.reason}\n`);
        return;
      case 'progress': {
        const p = report.progress;
        const line = `  ${(p.t / 1000).toFixed(0).padStart(4)} s  ${p.phase.padEnd(8)} ${String(p.rps).padStart(5)} req/s  ${String(p.errors).padStart(4)} errors  health ${p.health.padEnd(11)} ${p.faults.length === 0 ? '' : `faults: ${p.faults.join(', ')}`}`;
        const key = `${p.phase}|${p.faults.join(',')}|${p.health}`;
        if (options.live) {
          out.write(`\r\x1b[2K${line}`);
          liveShown = true;
        } else if (key !== lastKey || p.t - lastPlain >= 5_000) {
          out.write(`${line.trimEnd()}\n`);
          lastPlain = p.t;
        }
        lastKey = key;
        return;
      }
      case 'scenario-end': {
        clearLive();
        const r = report.recording;
        const faults = r.faults.map((f) => `${f.name} ${f.effect}`).join(', ');
        out.write(`  ${r.status}${r.reason === null ? '' : ` (${r.reason})`} in ${(r.durationMs / 1000).toFixed(1)} s${faults === '' ? '' : `; ${faults}`}\n`);
        const v = report.verdict;
        for (const a of v.assertions) out.write(`    ${MARK[a.verdict]} ${a.id}: ${a.actual}${a.verdict === 'pass' ? '' : `\n        expected ${a.expected}`}\n`);
        for (const f of v.faults) out.write(`    fault ${f.fault}: detected ${f.mttdMs === null ? 'never' : `after ${(f.mttdMs / 1000).toFixed(2)} s (${f.detectedBy ?? ''})`}, recovered ${f.mttrMs === null ? 'never' : `${(f.mttrMs / 1000).toFixed(2)} s after its end`}\n`);
        for (const finding of v.findings) out.write(`    note: ${finding}\n`);
        for (const p of v.prometheus ?? []) {
          const delta = (ms: number | null) => (ms === null ? 'n/a' : `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s`);
          out.write(`    prometheus: ${p.alert} ${p.error ?? (p.firing.length === 0 && p.own.length === 0 ? 'never fired (nor in faultline\'s evaluation)' : `fired ${delta(p.fireDeltaMs)}, resolved ${delta(p.resolveDeltaMs)} against faultline's evaluation`)}\n`);
        }
        out.write(`  ${v.verdict.toUpperCase()}: ${v.reason}\n  recording: ${report.file}\n`);
        return;
      }
    }
  }) as ConsoleReporter;
  reporter.done = clearLive;
  return reporter;
}
