import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSuite } from '../../../src/scenario/load.js';
import type { LoadedSuite } from '../../../src/scenario/types.js';
import { renderRules } from '../../../src/slo/rules.js';
import { checkDockerfile, checkStack, pinned, portHostIp, type Exists, type StackInput } from '../../helpers/compose-stack.js';

/**
 * docker-compose.yml, checked by reading (no Docker engine runs on these machines): it parses,
 * every image is pinned, every published port is on 127.0.0.1, every file it names exists, the
 * agent reaches its upstream through Toxiproxy on the proxy the compose suite creates,
 * Prometheus scrapes the agent and loads the committed rule file, and that rule file is what
 * `faultline rules` writes today. Each rule is also shown to fail on a broken text.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (relative: string): string => readFileSync(path.join(ROOT, relative), 'utf8');
const exists: Exists = (relative, kind) => existsSync(path.join(ROOT, relative)) && (kind === undefined || statSync(path.join(ROOT, relative)).isDirectory() === (kind === 'dir'));
const DOCKERIGNORE = read('.dockerignore');

const COMPOSE = read('docker-compose.yml');
const PROMETHEUS = read('deploy/prometheus/prometheus.yml');
const RULES = 'deploy/prometheus/faultline.rules.yml';
const REGENERATE = `npm run build && node dist/src/cli/main.js rules deploy/compose --out ${RULES}`;

let compose: LoadedSuite;
let bundled: LoadedSuite;
let input: StackInput;

beforeAll(async () => {
  compose = await loadSuite(path.join(ROOT, 'deploy/compose'), { cwd: ROOT, env: { HOME: '/tmp' } });
  bundled = await loadSuite(path.join(ROOT, 'scenarios'), { cwd: ROOT, env: { HOME: '/tmp' } });
  input = { compose: COMPOSE, prometheus: PROMETHEUS, suite: compose.suite, exists };
});

describe('docker-compose.yml', () => {
  it('parses as YAML and names the five services', () => {
    const doc = parse(COMPOSE) as { name: string; services: Record<string, unknown> };
    expect(doc.name).toBe('faultline');
    expect(Object.keys(doc.services).sort()).toEqual(['agent', 'alertmanager', 'prometheus', 'toxiproxy', 'upstream']);
  });

  it('passes every rule of the stack', () => {
    expect(checkStack(input)).toEqual([]);
  });

  it('pins the images it pulls to the versions docs/external.md names', () => {
    const images = Object.fromEntries(Object.entries((parse(COMPOSE) as { services: Record<string, { image: string }> }).services).map(([name, s]) => [name, s.image]));
    expect(images).toMatchObject({ toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0', prometheus: 'prom/prometheus:v3.7.3', alertmanager: 'prom/alertmanager:v0.28.1' });
    const doc = read('docs/external.md');
    for (const image of Object.values(images)) expect(doc).toContain(image);
  });

  it('the Dockerfile pins node 20 and copies only files that exist', () => {
    const dockerfile = read('Dockerfile');
    expect(checkDockerfile(dockerfile, DOCKERIGNORE, exists)).toEqual([]);
    expect(dockerfile).toMatch(/^FROM node:20\.\d+\.\d+-bookworm-slim AS build$/m);
  });
});

describe('the rules can fail (mutated texts)', () => {
  const mutate = (from: string | RegExp, to: string): StackInput => {
    const text = COMPOSE.replace(from, to);
    expect(text, `the mutation ${String(from)} must change the text`).not.toBe(COMPOSE);
    return { ...input, compose: text };
  };

  it.each([
    ['an image on latest', 'prom/prometheus:v3.7.3', 'prom/prometheus:latest', /prometheus: image prom\/prometheus:latest is not pinned/],
    ['an image without a tag', 'ghcr.io/shopify/toxiproxy:2.12.0', 'ghcr.io/shopify/toxiproxy', /toxiproxy: image .* is not pinned/],
    ['a built image without a tag', /image: faultline-harness:0\.1\.0\n(\s+command: \["node", "dist\/harness\/agent)/, 'image: faultline-harness\n$1', /agent: image faultline-harness is not pinned/],
    ['a port on every interface', '"127.0.0.1:9090:9090"', '"9090:9090"', /prometheus: port "9090:9090" is bound to every interface/],
    ['a port on 0.0.0.0', '"127.0.0.1:9093:9093"', '"0.0.0.0:9093:9093"', /alertmanager: port .* is bound to 0\.0\.0\.0/],
    ['a missing volume file', './deploy/alertmanager/alertmanager.yml:', './deploy/alertmanager/missing.yml:', /alertmanager: volume .*missing\.yml does not exist/],
    ['a missing Dockerfile', /dockerfile: Dockerfile/g, 'dockerfile: Dockerfile.missing', /Dockerfile\.missing does not exist/],
    ['the agent calling the upstream directly', 'UPSTREAM_URL: http://toxiproxy:8666', 'UPSTREAM_URL: http://upstream:8080', /does not go through the toxiproxy service/],
    ['the agent on another proxy port', 'UPSTREAM_URL: http://toxiproxy:8666', 'UPSTREAM_URL: http://toxiproxy:8667', /port 8667 is not the proxy's listen port 8666/],
    ['the proxy port not published', '      - "127.0.0.1:8666:8666"\n', '', /does not publish the proxy port 8666/],
    ['the agent published elsewhere', '"127.0.0.1:8080:8080"', '"127.0.0.1:18080:8080"', /target\.health\.url .* is not where the stack publishes port 8080/],
    ['the rules mounted from elsewhere', './deploy/prometheus/faultline.rules.yml:', './deploy/prometheus/prometheus.yml:', /the rule file mounted is/],
    ['a dependency that is no service', 'alertmanager: { condition: service_healthy }', 'alertmgr: { condition: service_healthy }', /depends on alertmgr, which is no service/],
    ['a service missing', /\n {2}alertmanager:\n[\s\S]*$/, '\n', /no service alertmanager/],
    ['broken YAML', 'services:\n', 'services:\n  toxiproxy: [\n', /does not parse/],
  ])('%s', (_name, from, to, problem) => {
    expect(checkStack(mutate(from, to)).join('\n')).toMatch(problem);
  });

  it.each([
    ['scraping something else', 'agent:8080', 'upstream:8080', /scrapes upstream:8080, not the agent/],
    ['loading no rule file', '  - /etc/prometheus/rules/faultline.rules.yml', '  - /etc/prometheus/rules/other.yml', /none of them is mounted/],
    ['alerting nobody', 'alertmanager:9093', 'alertmanager:9094', /not alertmanager:9093/],
  ])('prometheus.yml %s', (_name, from, to, problem) => {
    const text = PROMETHEUS.replace(from, to);
    expect(text).not.toBe(PROMETHEUS);
    expect(checkStack({ ...input, prometheus: text }).join('\n')).toMatch(problem);
  });

  it('a Dockerfile on an unpinned base, or copying a file that is not there', () => {
    const dockerfile = read('Dockerfile');
    expect(checkDockerfile(dockerfile.replace(/^FROM node:20\.19\.5-bookworm-slim$/m, 'FROM node:latest'), DOCKERIGNORE, exists)).toEqual(['FROM node:latest is not pinned']);
    expect(checkDockerfile(dockerfile.replace('COPY harness ./harness', 'COPY harnesses ./harness'), DOCKERIGNORE, exists)).toEqual(['COPY harnesses: no such file in the build context']);
    expect(checkDockerfile(dockerfile, `${DOCKERIGNORE}bench\n`, exists)).toEqual(['COPY bench: .dockerignore leaves it out of the build context']);
  });

  it.each([
    ['name:1.2.3', true],
    ['registry.example:5000/team/name:v1', true],
    [`name@sha256:${'a'.repeat(64)}`, true],
    ['name:latest', false],
    ['name', false],
    ['registry.example:5000/team/name', false],
  ])('pinned(%s) is %s', (image, expected) => {
    expect(pinned(image)).toBe(expected);
  });

  it.each([
    ['127.0.0.1:80:80', '127.0.0.1'],
    ['127.0.0.1:80:80/tcp', '127.0.0.1'],
    ['[::1]:80:80', '::1'],
    ['80:80', undefined],
    [8080, undefined],
    [{ target: 80, published: 80, host_ip: '127.0.0.1' }, '127.0.0.1'],
    [{ target: 80, published: 80 }, undefined],
  ])('portHostIp(%j) is %s', (entry, expected) => {
    expect(portHostIp(entry)).toBe(expected);
  });
});

describe('the compose suite (deploy/compose/faultline.yaml)', () => {
  it('validates with the real loader: an external target, Toxiproxy and Prometheus by URL', () => {
    const { suite, scenarios } = compose;
    expect(suite.target.external).toBe(true);
    expect(suite.toxiproxy.url).toBe('http://127.0.0.1:8474');
    expect(suite.prometheus?.url).toBe('http://127.0.0.1:9090');
    expect(suite.services).toEqual([]);
    expect(scenarios.length).toBeGreaterThanOrEqual(1);
  });

  it('picks the bundled network scenarios, and only faults an external target can take', () => {
    const names = compose.scenarios.map((s) => s.name);
    expect(names).toContain('network-latency');
    for (const scenario of compose.scenarios) {
      expect(scenario.file.startsWith(path.join(ROOT, 'scenarios') + path.sep)).toBe(true);
      for (const fault of scenario.faults) expect(fault.kind === 'network' || (fault.kind === 'cpu' && fault.mode === 'stressor'), `${scenario.name}: ${fault.name}`).toBe(true);
    }
    const bundledNetwork = bundled.scenarios.filter((s) => s.faults.length > 0 && s.faults.every((f) => f.kind === 'network')).map((s) => s.name);
    expect(names.sort()).toEqual(bundledNetwork.sort());
  });

  it('has the bundled suite\'s SLOs, alerts, evaluation and load (only the addresses differ)', () => {
    const { suite } = compose;
    expect(suite.slos).toEqual(bundled.suite.slos);
    expect(suite.alerts).toEqual(bundled.suite.alerts);
    expect(suite.evaluation).toEqual(bundled.suite.evaluation);
    expect(suite.seed).toBe(bundled.suite.seed);
    const { request, ...rate } = suite.load ?? { request: undefined };
    const { request: bundledRequest, ...bundledRate } = bundled.suite.load ?? { request: undefined };
    expect(rate).toEqual(bundledRate);
    expect({ ...request, url: new URL(request?.url ?? '').pathname }).toEqual({ ...bundledRequest, url: new URL(bundledRequest?.url.replace('${port:agent}', '1') ?? '').pathname });
  });

  it(`the committed rule file is what \`faultline rules\` writes now (to refresh it: ${REGENERATE})`, () => {
    expect(read(RULES), `regenerate: ${REGENERATE}`).toBe(renderRules(compose.suite));
  });

  it('a changed SLO would show as drift', () => {
    const changed = { ...compose.suite, slos: compose.suite.slos.map((s) => ({ ...s, objective: 0.995 })) };
    expect(renderRules(changed)).not.toBe(read(RULES));
  });
});
