import type { Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import { boundedGet, startPoller } from '../observe/poll.js';

/**
 * Asks a real Prometheus, during a run, what state its alerting rules are in, so the judge can
 * report Prometheus's view beside its own evaluation.
 *
 * It reads `GET /api/v1/rules?type=alert` rather than `/api/v1/alerts`: the latter lists only
 * pending and firing alerts, so "inactive" and "this rule was never loaded" look the same
 * there, and a mistyped rule file would pass every "never fires" check. The rules endpoint
 * names every alerting rule with its state (`inactive`, `pending`, `firing`) and its health,
 * and is served by Prometheus since 2.x and by Thanos and Mimir rulers alike.
 */

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert name's state at one poll, on the run's clock. */
export interface AlertStateSample {
  /** Clock time the poll was sent, ms. */
  t: number;
  state: AlertState;
  /** Set when Prometheus failed to evaluate the rule (health "err"): its state then means nothing. */
  error?: string;
}

/** What one poll saw: every alert name with its state, or why there was no answer. */
export type AlertPoll = { t: number; alerts: Record<string, { state: AlertState; error?: string }> } | { t: number; error: string };

export interface AlertHistory {
  /** Per alert name, one sample per successful poll from the first poll that listed it. */
  alerts: Record<string, AlertStateSample[]>;
  /** Polls that got no usable answer (Prometheus down, slow, or not Prometheus). */
  failures: { t: number; error: string }[];
  /** Polls made, failed ones included. */
  polls: number;
  /** Ticks skipped because a poll overran its interval. */
  skippedTicks: number;
}

export interface AlertPoller {
  /** Stops at once (a poll in flight is abandoned) and returns everything seen. Idempotent. */
  stop(): Promise<AlertHistory>;
}

export interface PollAlertsOptions {
  /** Deadline of one poll, connect to last byte, ms. Default: the interval, at most 5000. */
  timeoutMs?: number;
  /** Polls at t = k × interval + offset. Default 0. */
  offsetMs?: number;
  /** Sees each poll as it completes; must not throw (stop() rethrows the first error). */
  onPoll?: (poll: AlertPoll) => void;
}

/** The rules of a large Prometheus run to a few MB; anything far beyond is not an answer. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const RANK: Record<AlertState, number> = { inactive: 0, pending: 1, firing: 2 };

/** The rules endpoint under a Prometheus base URL, keeping any path prefix (`http://h/prom` → `http://h/prom/api/v1/rules?type=alert`). */
export function rulesEndpoint(baseUrl: string): string {
  // The suite's prometheus.url is checked when it loads (BAD_URL): a bad one here is a bug.
  if (!URL.canParse(baseUrl)) throw new FaultlineError('FAULTLINE_INTERNAL', `Prometheus alert poller: expected an http(s) URL, got "${baseUrl}"`);
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL('api/v1/rules?type=alert', base).toString();
}

/**
 * Polls the alerting rules of the Prometheus at `url` (its base URL, e.g.
 * `http://127.0.0.1:9090`) every `intervalMs` on the run's clock until stop().
 */
export function pollAlerts(url: string, clock: Clock, intervalMs: number, options: PollAlertsOptions = {}): AlertPoller {
  const endpoint = rulesEndpoint(url);
  const timeoutMs = options.timeoutMs ?? Math.min(intervalMs, 5_000);
  const poller = startPoller<AlertPoll>(
    { what: 'Prometheus alert poller', url: endpoint, intervalMs, timeoutMs, clock, ...(options.offsetMs === undefined ? {} : { offsetMs: options.offsetMs }) },
    async (t, dispatcher, stop) => {
      const answer = await boundedGet(dispatcher, endpoint, 'application/json', timeoutMs, MAX_BODY_BYTES, stop);
      if (answer === 'stopped') return answer;
      if ('error' in answer) return { t, error: answer.error };
      if (answer.bodyError !== undefined) return { t, error: `${answer.bodyError} (while reading the body)` };
      if (answer.status !== 200) return { t, error: `HTTP ${answer.status} from ${endpoint}` };
      const parsed = parseRules(answer.body.toString('utf8'));
      return 'error' in parsed ? { t, error: parsed.error } : { t, alerts: parsed.alerts };
    },
    options.onPoll,
  );
  return {
    async stop() {
      const polls = await poller.stop();
      return { ...historyOf(polls), skippedTicks: poller.skippedTicks };
    },
  };
}

/** Folds polls into per-name samples and failures. */
export function historyOf(polls: readonly AlertPoll[]): Omit<AlertHistory, 'skippedTicks'> {
  const alerts: Record<string, AlertStateSample[]> = {};
  const failures: { t: number; error: string }[] = [];
  for (const poll of polls) {
    if ('error' in poll) {
      failures.push(poll);
      continue;
    }
    for (const [name, seen] of Object.entries(poll.alerts)) (alerts[name] ??= []).push({ t: poll.t, ...seen });
  }
  return { alerts, failures, polls: polls.length };
}

/**
 * The alert names and states in a `/api/v1/rules` answer. Several rules may share a name
 * (one per severity, as Sloth writes them): the name takes the most advanced state.
 */
export function parseRules(text: string): { alerts: Record<string, { state: AlertState; error?: string }> } | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'the answer is not JSON: is the URL a Prometheus?' };
  }
  const root = asRecord(body);
  if (root?.['status'] !== 'success') return { error: `Prometheus answered status ${JSON.stringify(root?.['status'] ?? null)}${typeof root?.['error'] === 'string' ? `: ${root['error']}` : ''}` };
  const groups = asRecord(root['data'])?.['groups'];
  if (!Array.isArray(groups)) return { error: 'the answer has no data.groups list: is the URL a Prometheus?' };
  const alerts: Record<string, { state: AlertState; error?: string }> = {};
  for (const group of groups) {
    const rules = asRecord(group)?.['rules'];
    if (!Array.isArray(rules)) return { error: 'a rule group in the answer has no rules list' };
    for (const item of rules) {
      const rule = asRecord(item);
      if (rule === undefined || rule['type'] === 'recording') continue;
      const { name, state } = rule;
      if (typeof name !== 'string' || (state !== 'inactive' && state !== 'pending' && state !== 'firing')) return { error: `an alerting rule in the answer has no name or state (${JSON.stringify(name ?? null)}, ${JSON.stringify(state ?? null)})` };
      const error = rule['health'] === 'err' ? (typeof rule['lastError'] === 'string' ? rule['lastError'] : 'evaluation failed') : undefined;
      const before = alerts[name];
      const merged: { state: AlertState; error?: string } = { state: before === undefined || RANK[state] > RANK[before.state] ? state : before.state };
      const anyError = error ?? before?.error;
      if (anyError !== undefined) merged.error = anyError;
      alerts[name] = merged;
    }
  }
  return { alerts };
}

const asRecord = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

export type AlertTransitionKind = 'pending' | 'firing' | 'resolved' | 'dropped';

/**
 * A change of an alert's state between two polls. It happened in (`after`, `t`]: `after` is
 * the last poll in the old state (null when the first poll already showed the new one).
 */
export interface AlertTransition {
  kind: AlertTransitionKind;
  t: number;
  after: number | null;
}

/**
 * The transitions in one alert's samples, with Prometheus's meaning (research/slo-alerting.md
 * §3.4): inactive → pending → firing → resolved (firing → inactive); a pending alert whose
 * condition clears is `dropped`, not resolved. firing → pending between two polls means it
 * resolved and started pending again: both are reported at that poll.
 */
export function alertTransitions(samples: readonly AlertStateSample[]): AlertTransition[] {
  const out: AlertTransition[] = [];
  let state: AlertState = 'inactive';
  let last: number | null = null;
  for (const sample of samples) {
    const next = sample.state;
    if (next !== state) {
      const at = { t: sample.t, after: last };
      if (state === 'firing') out.push({ kind: 'resolved', ...at });
      else if (state === 'pending' && next === 'inactive') out.push({ kind: 'dropped', ...at });
      if (next !== 'inactive') out.push({ kind: next, ...at });
      state = next;
    }
    last = sample.t;
  }
  return out;
}
