import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { freePort } from '../../../src/target/ports.js';
import { loadSuite } from '../../../src/scenario/load.js';
import { alertTransitions, pollAlerts, type AlertHistory, type AlertPoll } from '../../../src/slo/prometheus.js';
import { buildRules, renderRules } from '../../../src/slo/rules.js';
import { call } from '../../helpers/http.js';
import { killAll, pollUntil, ROOT, startAgent, type Started } from '../../helpers/processes.js';
import { startPrometheus, type RunningPrometheus } from '../../helpers/prometheus.js';

/**
 * A real Prometheus (Debian's 2.42, loopback, 1 s scrape and evaluation) loads the rules that
 * `faultline rules` makes from the bundled suite and scrapes the real agent while the test
 * drives a few seconds of healthy requests; pollAlerts must see every exported alerting rule,
 * the burn-rate alerts inactive throughout, and Prometheus must have scraped the agent (`up`)
 * and recorded error ratios of 0 from its real metrics (so the selectors match them).
 */

let work: string;
let prometheus: RunningPrometheus | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faultline-prometheus-test-'));
});

afterEach(async () => {
  await prometheus?.stop();
  prometheus = undefined;
  await killAll();
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** One instant query; the result's samples as [labels, value]. */
async function query(url: string, expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const response = await call(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { timeoutMs: 5_000 });
  if (response.status !== 200 || response.body?.status !== 'success') throw new Error(`query ${expr}: HTTP ${response.status} ${response.text}`);
  return (response.body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Healthy requests at about 20/s until `stop` aborts, bounded by count; resolves with the number sent. */
async function driveEcho(agent: Started, stop: AbortSignal, max = 600): Promise<number> {
  let sent = 0;
  while (!stop.aborted && sent < max) {
    const response = await call(`${agent.url}/v1/actions`, { body: { type: 'echo', target: 'prometheus-test' }, timeoutMs: 5_000 });
    if (response.status !== 200) throw new Error(`echo action: HTTP ${response.status} ${response.text}`);
    sent++;
    // Paces the load (20/s); nothing waits on it for synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return sent;
}

describe('a real Prometheus with the exported rules', () => {
  it('loads them, scrapes the agent, records ratios from its metrics, and pollAlerts sees every alert inactive', async () => {
    const { suite } = await loadSuite(path.join(ROOT, 'scenarios/faultline.yaml'));
    const rulesFile = path.join(work, 'slo-rules.yml');
    await writeFile(rulesFile, renderRules(suite));
    const exported = buildRules(suite).groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : [])));
    expect(exported.sort()).toEqual(['AvailabilityTargetDown', 'BudgetBurnFast', 'LatencyBurnFast', 'LatencyTargetDown']);

    const agent = await startAgent({ AGENT_PORT: '0' });
    const stopLoad = new AbortController();
    const load = driveEcho(agent, stopLoad.signal);
    const clock = startClock();
    const polls: AlertPoll[] = [];
    let poller: ReturnType<typeof pollAlerts> | undefined;
    let history: AlertHistory | undefined;
    let scrapedAt = Infinity;
    try {
      prometheus = await startPrometheus({ targets: [`127.0.0.1:${agent.port}`], ruleFiles: [rulesFile], scrapeIntervalMs: 1_000, evaluationIntervalMs: 1_000 });
      const server = prometheus;
      poller = pollAlerts(server.url, clock, 250, { onPoll: (p) => polls.push(p) });
      const up = await pollUntil(async () => {
        const [sample] = await query(server.url, `up{job="${server.job}"}`);
        return sample?.value === 1 ? sample : undefined;
      }, 'Prometheus to scrape the agent (up == 1)');
      scrapedAt = clock.now();
      expect(up.metric['instance']).toBe(`127.0.0.1:${agent.port}`);
      // Two scrapes with traffic inside the 5 s window make both ratios exist, at 0: the
      // healthy echo requests are neither 5xx nor slower than 0.25 s.
      for (const slo of ['availability', 'latency']) {
        const ratio = await pollUntil(async () => (await query(server.url, `slo:sli_error:ratio_rate5s{slo="${slo}"}`))[0], `the ${slo} 5s error ratio`);
        expect(ratio.value, slo).toBe(0);
      }
      // Once the agent is scraped, the next evaluation (≤ 1 s later) clears the absent() alerts.
      await pollUntil(() => (polls.filter((p) => p.t > scrapedAt + 2_000 && 'alerts' in p && exported.every((name) => name in p.alerts)).length >= 4 ? true : undefined), 'four polls that list every exported alert');
    } finally {
      stopLoad.abort();
      await load.catch(() => undefined);
      history = await poller?.stop();
    }
    if (history === undefined) throw new Error('no alert history');
    expect(await load).toBeGreaterThan(0);
    expect(history.failures).toEqual([]);
    expect(Object.keys(history.alerts).sort()).toEqual([...exported].sort());
    for (const name of ['BudgetBurnFast', 'LatencyBurnFast']) {
      const samples = history.alerts[name] ?? [];
      expect(samples.length, name).toBeGreaterThanOrEqual(4);
      expect(samples.every((s) => s.state === 'inactive' && s.error === undefined), `${name}: ${JSON.stringify(samples)}`).toBe(true);
      expect(alertTransitions(samples)).toEqual([]);
    }
    // Prometheus evaluates rules from its start but scrapes a new target only after its scrape
    // manager's first reload, about 5 s later: until then there is no data, so the absent()
    // alerts are pending and may fire (for: 4s320ms). Once the agent is scraped they clear and
    // stay clear.
    for (const name of ['AvailabilityTargetDown', 'LatencyTargetDown']) {
      const samples = (history.alerts[name] ?? []).filter((s) => s.t > scrapedAt + 2_000);
      expect(samples.length, name).toBeGreaterThanOrEqual(4);
      expect(samples.every((s) => s.state === 'inactive'), `${name}: ${JSON.stringify(history.alerts[name])}`).toBe(true);
    }
  });

  it('pollAlerts records failed polls (nothing listening), never states', async () => {
    const port = await freePort();
    const clock = startClock();
    const polls: AlertPoll[] = [];
    const poller = pollAlerts(`http://127.0.0.1:${port}`, clock, 50, { onPoll: (p) => polls.push(p) });
    await pollUntil(() => (polls.length >= 3 ? true : undefined), 'three polls', 10_000);
    const history = await poller.stop();
    expect(history.alerts).toEqual({});
    expect(history.failures.length).toBe(history.polls);
    expect(history.failures[0]?.error).toMatch(/ECONNREFUSED/);
  });
});
