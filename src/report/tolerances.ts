import { FaultlineError } from '../errors.js';
import { parseDuration } from '../scenario/units.js';

/**
 * How far a figure may move between two reports before `faultline compare` calls it a change
 * rather than noise. Written on the command line as `--tolerance mttr=20%,500ms`,
 * `--tolerance sli=0.5pp`, `--tolerance score=10` (repeatable, or joined by commas).
 */

/** A time (MTTD, MTTR) changes only when it moves by more than both bounds. */
export interface TimeTolerance {
  /** Relative bound, percent of the smaller value. */
  pct: number;
  /** Absolute bound, ms: below it a move is noise whatever its ratio (0.2 s → 0.3 s is +50 %). */
  floorMs: number;
}

export interface Tolerances {
  /** Time to detect per fault. Default 20 % and 500 ms. */
  mttd: TimeTolerance;
  /** Time to recover per fault. Default 20 % and 500 ms. */
  mttr: TimeTolerance;
  /** An SLI (good / total) per SLO, phase and source, in percentage points. Default 0.1. */
  sliPp: number;
  /** The scenario's resilience score (0–100), in points. Default 5. */
  score: number;
}

export const DEFAULT_TOLERANCES: Readonly<Tolerances> = Object.freeze({
  mttd: Object.freeze({ pct: 20, floorMs: 500 }),
  mttr: Object.freeze({ pct: 20, floorMs: 500 }),
  sliPp: 0.1,
  score: 5,
});

const ALLOWED = 'mttd=20%,500ms  mttr=20%,500ms  sli=0.1pp  score=5';
const NUMBER = /^\d+(?:\.\d+)?$/;
const FIGURES = new Set(['mttd', 'mttr', 'sli', 'score']);

/**
 * `--tolerance` values over the defaults. Each names a figure and gives one or more bounds; a
 * comma-separated part without `=` belongs to the figure before it, so `mttr=50%,1s,sli=1pp`
 * sets three bounds. Every problem is collected before failing (FAULTLINE_USAGE, exit 2).
 */
export function parseTolerances(specs: readonly string[], defaults: Readonly<Tolerances> = DEFAULT_TOLERANCES): Tolerances {
  const result: Tolerances = { mttd: { ...defaults.mttd }, mttr: { ...defaults.mttr }, sliPp: defaults.sliPp, score: defaults.score };
  const problems: string[] = [];
  for (const spec of specs) {
    let figure: string | undefined;
    let known = true;
    for (const raw of spec.split(',')) {
      const part = raw.trim();
      let value = part;
      const eq = part.indexOf('=');
      if (eq >= 0) {
        figure = part.slice(0, eq).trim().toLowerCase();
        value = part.slice(eq + 1).trim();
        known = FIGURES.has(figure);
        if (!known) problems.push(`"${spec}": unknown figure "${figure}" (allowed: mttd, mttr, sli, score)`);
      }
      if (figure === undefined) {
        problems.push(`"${spec}": name the figure before its bound, e.g. mttr=${part === '' ? '20%' : part}`);
        break;
      }
      // The bounds of an unknown figure were reported with it.
      if (!known) continue;
      const problem = apply(result, figure, value);
      if (problem !== null) problems.push(`"${spec}": ${problem}`);
    }
  }
  if (problems.length > 0) {
    throw new FaultlineError('FAULTLINE_USAGE', `bad --tolerance: ${problems.join('; ')}`, {
      hint: `allowed (the defaults): ${ALLOWED}; give any part, e.g. --tolerance mttr=50% --tolerance sli=0.5pp`,
    });
  }
  return result;
}

/** Sets one bound; returns what was wrong with it, or null. */
function apply(into: Tolerances, figure: string, value: string): string | null {
  switch (figure) {
    case 'mttd':
    case 'mttr': {
      if (value.endsWith('%') && NUMBER.test(value.slice(0, -1))) {
        into[figure].pct = Number(value.slice(0, -1));
        return null;
      }
      const duration = parseDuration(value);
      if (duration.ok) {
        into[figure].floorMs = duration.value;
        return null;
      }
      return `${figure} takes a percentage like "20%" and/or a duration like "500ms", got "${value}"`;
    }
    case 'sli': {
      const number = value.replace(/\s*pp$/, '');
      if (NUMBER.test(number)) {
        into.sliPp = Number(number);
        return null;
      }
      if (value.endsWith('%')) return `sli takes percentage points, not a percentage: write sli=${value.slice(0, -1)}pp`;
      return `sli takes percentage points like "0.1pp", got "${value}"`;
    }
    case 'score': {
      const number = value.replace(/\s*(?:points|pts|pt)$/, '');
      if (NUMBER.test(number)) {
        into.score = Number(number);
        return null;
      }
      return `score takes points of the 0–100 score like "5", got "${value}"`;
    }
    default:
      return `unknown figure "${figure}"`;
  }
}

/** One line for reports: "MTTD +20 % and +500 ms, MTTR …, SLI 0.1 pp, score 5 points". */
export function describeTolerances(t: Readonly<Tolerances>): string {
  return `MTTD +${t.mttd.pct} % and +${t.mttd.floorMs} ms, MTTR +${t.mttr.pct} % and +${t.mttr.floorMs} ms, SLI ${t.sliPp} pp, score ${t.score} points`;
}
