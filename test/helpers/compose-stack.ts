import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ResolvedSuite } from '../../src/scenario/types.js';

/**
 * Reads docker-compose.yml the way a reviewer would, since no Docker engine runs it here: every
 * rule of the stack as a check that returns what is wrong (an empty list when nothing is), so
 * a test can also prove each rule fails on a broken text.
 */

export interface StackInput {
  /** docker-compose.yml's text. */
  compose: string;
  /** deploy/prometheus/prometheus.yml's text (the file the prometheus service mounts). */
  prometheus: string;
  /** The compose suite, loaded (deploy/compose/faultline.yaml). */
  suite: ResolvedSuite;
  /** Whether a path relative to the repository root exists (as a file or a folder, or either). */
  exists: Exists;
}

export type Exists = (relative: string, kind?: 'file' | 'dir') => boolean;

type Service = {
  image?: unknown;
  build?: unknown;
  ports?: unknown;
  volumes?: unknown;
  environment?: unknown;
  depends_on?: unknown;
};

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A reference `name[:tag][@digest]` is pinned when it has a digest, or a tag other than latest. */
export function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag !== '' && tag !== 'latest';
}

/** The host address a `ports:` entry binds (short "IP:HOST:CONTAINER" or long { host_ip }); undefined when it binds every interface. */
export function portHostIp(entry: unknown): string | undefined {
  if (typeof entry === 'number') return undefined;
  if (typeof entry === 'string') {
    const parts = entry.replace(/\/(tcp|udp)$/, '').match(/^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+(?:-\d+)?):(\d+(?:-\d+)?)$/);
    return parts === null ? undefined : (parts[1] ?? parts[2]);
  }
  const ip = record(entry)['host_ip'];
  return typeof ip === 'string' ? ip : undefined;
}

/** Host side of a short volume entry (`./a:/b:ro`), when it is a path on the host (not a named volume). */
function volumeMapping(entry: unknown): { host: string; container: string } | undefined {
  if (typeof entry === 'string') {
    const [host, container] = entry.split(':');
    if (host === undefined || container === undefined || !(host.startsWith('.') || host.startsWith('/'))) return undefined;
    return { host, container };
  }
  const long = record(entry);
  if (long['type'] !== 'bind' || typeof long['source'] !== 'string' || typeof long['target'] !== 'string') return undefined;
  return { host: long['source'], container: long['target'] };
}

/** host:port of a URL. */
const hostPort = (url: string): { host: string; port: string } => {
  const u = new URL(url);
  return { host: u.hostname, port: u.port };
};

/** The host port that a service publishes for `containerPort` on 127.0.0.1, if any. */
function publishedPort(service: Service, containerPort: string): string | undefined {
  for (const entry of list(service.ports)) {
    if (typeof entry === 'string') {
      const match = entry.replace(/\/tcp$/, '').match(/^127\.0\.0\.1:(\d+):(\d+)$/);
      if (match?.[2] === containerPort) return match[1];
    }
  }
  return undefined;
}

export function checkStack(input: StackInput): string[] {
  const problems: string[] = [];
  const doc = parseDocument(input.compose, { uniqueKeys: true });
  if (doc.errors.length > 0) return doc.errors.map((e) => `docker-compose.yml does not parse: ${e.message}`);
  const services = record(record(doc.toJS())['services']) as Record<string, Service>;
  for (const name of ['toxiproxy', 'upstream', 'agent', 'prometheus', 'alertmanager']) if (services[name] === undefined) problems.push(`no service ${name}`);

  for (const [name, service] of Object.entries(services)) {
    const image = service.image;
    if (typeof image !== 'string') problems.push(`${name}: no image (a built service names its image too, with a tag)`);
    else if (!pinned(image)) problems.push(`${name}: image ${image} is not pinned (a tag other than latest, or a digest)`);

    for (const entry of list(service.ports)) {
      const ip = portHostIp(entry);
      if (ip !== '127.0.0.1') problems.push(`${name}: port ${JSON.stringify(entry)} is bound to ${ip ?? 'every interface'}, not 127.0.0.1`);
    }
    if (service.build !== undefined) {
      const build = typeof service.build === 'string' ? { context: service.build } : record(service.build);
      const context = typeof build['context'] === 'string' ? build['context'] : '.';
      const dockerfile = typeof build['dockerfile'] === 'string' ? build['dockerfile'] : 'Dockerfile';
      if (!input.exists(context, 'dir')) problems.push(`${name}: build context ${context} does not exist`);
      if (!input.exists(path.join(context, dockerfile), 'file')) problems.push(`${name}: ${path.join(context, dockerfile)} does not exist`);
    }
    for (const entry of list(service.volumes)) {
      const mapping = volumeMapping(entry);
      if (mapping !== undefined && !input.exists(mapping.host, 'file')) problems.push(`${name}: volume ${mapping.host} does not exist`);
    }
    for (const dependency of Object.keys(Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((d) => [String(d), 1])) : record(service.depends_on))) {
      if (services[dependency] === undefined) problems.push(`${name}: depends on ${dependency}, which is no service`);
    }
  }

  const agent = services['agent'] ?? {};
  const upstream = services['upstream'] ?? {};
  const toxiproxy = services['toxiproxy'] ?? {};
  /** A variable of a service's `environment` mapping, as the container sees it (a string). */
  const env = (service: Service, name: string): string => {
    const value = record(service.environment)[name];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  };
  const agentPort = env(agent, 'AGENT_PORT');
  const upstreamPort = env(upstream, 'UPSTREAM_PORT');

  // The agent's downstream is the proxy faultline creates in Toxiproxy, which forwards to the upstream service.
  const suite = input.suite;
  const proxy = suite.proxies.find((p) => p.name === 'upstream');
  const upstreamUrl = env(agent, 'UPSTREAM_URL');
  let agentDownstream: { host: string; port: string } | undefined;
  try {
    agentDownstream = hostPort(upstreamUrl);
  } catch {
    problems.push(`agent: UPSTREAM_URL ${upstreamUrl} is not a URL`);
  }
  if (agentDownstream !== undefined && agentDownstream.host !== 'toxiproxy') problems.push(`agent: UPSTREAM_URL ${upstreamUrl} does not go through the toxiproxy service`);
  if (proxy === undefined) problems.push('the compose suite has no proxy "upstream"');
  else {
    const listenPort = proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1);
    if (agentDownstream !== undefined && agentDownstream.port !== listenPort) problems.push(`agent: UPSTREAM_URL port ${agentDownstream.port} is not the proxy's listen port ${listenPort}`);
    if (!/^0\.0\.0\.0:\d+$/.test(proxy.listen)) problems.push(`the proxy listens on ${proxy.listen}: other containers reach it only on every interface (0.0.0.0)`);
    if (proxy.upstream !== `upstream:${upstreamPort}`) problems.push(`the proxy forwards to ${proxy.upstream}, not to the upstream service (upstream:${upstreamPort})`);
    if (publishedPort(toxiproxy, listenPort) !== listenPort) problems.push(`toxiproxy does not publish the proxy port ${listenPort} on 127.0.0.1 (faultline probes through it)`);
  }

  // What faultline calls is what the stack publishes on 127.0.0.1.
  const calls: [string, string | undefined, Service, string][] = [
    ['toxiproxy.url', suite.toxiproxy.url ?? undefined, toxiproxy, '8474'],
    ['prometheus.url', suite.prometheus?.url, services['prometheus'] ?? {}, '9090'],
    ['target.health.url', suite.target.health?.url, agent, agentPort],
    ['target.metrics.url', suite.target.metrics?.url, agent, agentPort],
    ['load.request.url', suite.load?.request.url, agent, agentPort],
  ];
  for (const [field, url, service, containerPort] of calls) {
    if (url === undefined) {
      problems.push(`the compose suite has no ${field}`);
      continue;
    }
    const { host, port } = hostPort(url);
    const published = publishedPort(service, containerPort);
    if (host !== '127.0.0.1' || published === undefined || port !== published) problems.push(`${field} ${url} is not where the stack publishes port ${containerPort} (127.0.0.1:${published ?? '?'})`);
  }

  // Prometheus: scrapes the agent, loads the mounted rule file, sends to the alertmanager.
  const prometheus = services['prometheus'] ?? {};
  const mounts = list(prometheus.volumes).map(volumeMapping).filter((m) => m !== undefined);
  const configMount = mounts.find((m) => m.container === '/etc/prometheus/prometheus.yml');
  if (configMount === undefined) problems.push('prometheus: no config mounted at /etc/prometheus/prometheus.yml');
  else if (path.normalize(configMount.host) !== 'deploy/prometheus/prometheus.yml') problems.push(`prometheus: mounts ${configMount.host} as its config, not deploy/prometheus/prometheus.yml`);
  const config = parseDocument(input.prometheus);
  if (config.errors.length > 0) return [...problems, `prometheus.yml does not parse: ${config.errors[0]?.message ?? ''}`];
  const promConfig = record(config.toJS());
  const targets = list(promConfig['scrape_configs']).flatMap((job) => list(record(job)['static_configs']).flatMap((c) => list(record(c)['targets']).map(String)));
  if (!targets.includes(`agent:${agentPort}`)) problems.push(`prometheus.yml scrapes ${targets.join(', ') || 'nothing'}, not the agent (agent:${agentPort})`);
  const ruleFiles = list(promConfig['rule_files']).map(String);
  const ruleMount = mounts.find((m) => ruleFiles.includes(m.container));
  if (ruleMount === undefined) problems.push(`prometheus.yml loads ${ruleFiles.join(', ') || 'no rule file'}, and none of them is mounted`);
  else if (path.normalize(ruleMount.host) !== 'deploy/prometheus/faultline.rules.yml') problems.push(`prometheus: the rule file mounted is ${ruleMount.host}, not deploy/prometheus/faultline.rules.yml`);
  const alertmanagers = list(record(promConfig['alerting'])['alertmanagers']).flatMap((a) => list(record(a)['static_configs']).flatMap((c) => list(record(c)['targets']).map(String)));
  if (!alertmanagers.includes('alertmanager:9093')) problems.push(`prometheus.yml sends alerts to ${alertmanagers.join(', ') || 'nobody'}, not alertmanager:9093`);
  return problems;
}

/** Problems of the Dockerfile: every base image pinned, and the files it copies exist and are not left out of the context by .dockerignore. */
export function checkDockerfile(text: string, dockerignore: string, exists: Exists): string[] {
  const problems: string[] = [];
  const ignored = new Set(dockerignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  const stages = new Set<string>();
  for (const line of text.split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    if (from !== null) {
      const image = from[1] as string;
      if (!stages.has(image) && !pinned(image)) problems.push(`FROM ${image} is not pinned`);
      if (from[2] !== undefined) stages.add(from[2]);
    }
    const copy = /^COPY\s+(?!--from)(.+)$/i.exec(line.trim());
    if (copy !== null) {
      const parts = (copy[1] as string).split(/\s+/);
      for (const source of parts.slice(0, -1)) {
        if (!exists(source)) problems.push(`COPY ${source}: no such file in the build context`);
        if (ignored.has(source) || ignored.has(`**/${source}`)) problems.push(`COPY ${source}: .dockerignore leaves it out of the build context`);
      }
    }
  }
  if (stages.size === 0 && !/^FROM/m.test(text)) problems.push('no FROM');
  return problems;
}
