import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioVerdict } from '../../src/judge/judge.js';
import { loadSuite } from '../../src/scenario/load.js';
import { renderRules } from '../../src/slo/rules.js';
import { freePort } from '../../src/target/ports.js';
import { ROOT, pollUntil } from '../helpers/processes.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { faultline, marked } from '../helpers/run-cli.js';

/**
 * The judge's own alert evaluation against a real Prometheus (Debian's, loopback, 1 s scrape
 * and evaluation) running the rules `faultline rules` generates, during the bundled
 * network-latency scenario: both must see BudgetBurnFast fire and resolve, within two
 * evaluation intervals of each other (the bound). The agent gets a fixed port, so that
 * Prometheus can be configured to scrape it before the run starts it.
 */

const EVALUATION_MS = 1_000;
let work: string | undefined;
let prometheus: RunningPrometheus | undefined;

afterAll(async () => {
  await prometheus?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('faultline and a real Prometheus agree on the burn-rate alert', () => {
  it('fire and resolve times of BudgetBurnFast during network-latency differ by at most two evaluation intervals', async () => {
    work = await mkdtemp(path.join(tmpdir(), 'faultline-prom-agree-'));
    const dir = path.join(work, 'suite');
    const out = path.join(work, 'out');
    const marker = randomUUID();
    const agentPort = await freePort();
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const bundled = await readFile(path.join(ROOT, 'scenarios/faultline.yaml'), 'utf8');
    const suiteText = bundled
      .replaceAll('cwd: ..', `cwd: ${ROOT}`)
      .replaceAll('${port:agent}', String(agentPort))
      .replace('    AGENT_LOG_LEVEL: warn', `    AGENT_LOG_LEVEL: warn\n    FAULTLINE_TEST_MARK: ${marker}`);
    await writeFile(path.join(dir, 'faultline.yaml'), suiteText);
    await writeFile(path.join(dir, 'network-latency.yaml'), await readFile(path.join(ROOT, 'scenarios/network-latency.yaml'), 'utf8'));

    // The rules faultline generates from this very suite.
    const loaded = await loadSuite(dir);
    const rulesFile = path.join(work, 'rules.yml');
    await writeFile(rulesFile, renderRules(loaded.suite));
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${agentPort}`], ruleFiles: [rulesFile], scrapeIntervalMs: 1_000, evaluationIntervalMs: EVALUATION_MS });
    const url = prometheus.url;
    // Prometheus applies scrape targets on a 5 s reload tick: wait until it scrapes (the target is down until the run starts it).
    await pollUntil(
      async () => {
        const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { lastScrape: string }[] } };
        return body.data.activeTargets.some((t) => !t.lastScrape.startsWith('0001')) ? true : undefined;
      },
      'Prometheus to scrape its target once',
      20_000,
      200,
    );
    await writeFile(path.join(dir, 'faultline.yaml'), `${suiteText}\nprometheus:\n  url: ${url}\n`);

    const result = await faultline(work, ['run', dir, '--out', out], { env: { AGENT_BUG: '' }, timeoutMs: 240_000 });
    const verdict = JSON.parse(await readFile(path.join(out, 'network-latency', 'verdicts.json'), 'utf8')) as ScenarioVerdict;
    const failed = verdict.assertions.filter((a) => a.verdict !== 'pass').map((a) => `${a.id}: ${a.actual}`);
    expect(result.exitCode, `${String(result.all)}\n${failed.join('\n')}`).toBe(0);

    const burn = verdict.prometheus?.find((p) => p.alert === 'BudgetBurnFast');
    expect(burn, JSON.stringify(verdict.prometheus)).toBeDefined();
    expect(burn?.error).toBeUndefined();
    expect(burn?.firing.length).toBeGreaterThanOrEqual(1);
    expect(burn?.own.length).toBeGreaterThanOrEqual(1);
    // Reported for the session notes: Prometheus minus faultline, in ms.
    console.log(`BudgetBurnFast: Prometheus fired ${burn?.fireDeltaMs} ms and resolved ${burn?.resolveDeltaMs} ms after faultline's own evaluation; firing ${JSON.stringify(burn?.firing)} vs ${JSON.stringify(burn?.own)}`);
    expect(Math.abs(burn?.fireDeltaMs ?? Infinity)).toBeLessThanOrEqual(2 * EVALUATION_MS);
    expect(Math.abs(burn?.resolveDeltaMs ?? Infinity)).toBeLessThanOrEqual(2 * EVALUATION_MS);
    // The latency SLO holds server-side (the deadline), so neither side fires LatencyBurnFast.
    const latency = verdict.prometheus?.find((p) => p.alert === 'LatencyBurnFast');
    expect(latency?.firing).toEqual([]);
    expect(latency?.own).toEqual([]);
    expect(marked(marker)).toEqual([]);
  }, 300_000);
});
