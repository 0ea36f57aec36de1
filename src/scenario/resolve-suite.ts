import path from 'node:path';
import { DEFAULTS, looksLikeNode } from './defaults.js';
import type { SuiteParsed } from './schema/suite.js';
import { scanPlaceholders } from './placeholders.js';
import type { ResolvedAlert, ResolvedLoad, ResolvedProcess, ResolvedReady, ResolvedSlo, ResolvedSuite, ResolvedTarget } from './types.js';

type ProcessParsed = NonNullable<SuiteParsed['services']>[string];
type LoadParsed = NonNullable<SuiteParsed['load']>;

/** The suite with every default applied. Pure: checks live in semantic-suite.ts. */
export function resolveSuite(parsed: SuiteParsed, file: string): ResolvedSuite {
  const dir = path.dirname(file);
  const services = Object.entries(parsed.services ?? {}).map(([name, spec]) => resolveProcess(name, spec, dir, null));
  const external = parsed.target.external ?? false;
  const targetBase = resolveProcess('target', parsed.target, dir, parsed.target.health?.url ?? null);
  const target: ResolvedTarget = {
    ...targetBase,
    external,
    // An external target hosts no injector, whatever it runs on.
    runtime: external ? 'other' : (parsed.target.runtime ?? (looksLikeNode(targetBase.command[0] ?? '') ? 'node' : 'other')),
    health:
      parsed.target.health === undefined
        ? null
        : { url: parsed.target.health.url, intervalMs: parsed.target.health.interval ?? DEFAULTS.health.intervalMs, timeoutMs: parsed.target.health.timeout ?? DEFAULTS.health.timeoutMs },
    metrics:
      parsed.target.metrics === undefined
        ? null
        : { url: parsed.target.metrics.url, intervalMs: parsed.target.metrics.interval ?? DEFAULTS.metrics.intervalMs, timeoutMs: parsed.target.metrics.timeout ?? DEFAULTS.metrics.timeoutMs },
  };
  const slos = Object.entries(parsed.slos ?? {}).map(([name, slo]): ResolvedSlo => ({
    name,
    kind: slo.kind,
    objective: slo.objective,
    thresholdMs: slo.kind === 'latency' ? slo.threshold : null,
    client: slo.client ?? DEFAULTS.slo.client,
    server:
      slo.server === undefined
        ? null
        : slo.kind === 'availability' && 'total' in slo.server
          ? { kind: 'availability', total: slo.server.total, errors: slo.server.errors }
          : 'histogram' in slo.server
            ? { kind: 'latency', histogram: slo.server.histogram }
            : null,
    windowMs: slo.window ?? DEFAULTS.slo.windowMs,
    description: slo.description ?? '',
  }));
  const alerts = Object.entries(parsed.alerts ?? {}).map(([name, alert]): ResolvedAlert => {
    const slo = slos.find((s) => s.name === alert.slo);
    return {
      name,
      slo: alert.slo,
      burnRate: alert.burnRate,
      longMs: alert.long,
      shortMs: alert.short,
      forMs: alert.for ?? DEFAULTS.alert.forMs,
      keepFiringForMs: alert.keepFiringFor ?? DEFAULTS.alert.keepFiringForMs,
      severity: alert.severity ?? DEFAULTS.alert.severity,
      source: alert.source ?? (slo?.server !== null && slo?.server !== undefined ? 'server' : 'client'),
    };
  });
  const suite: ResolvedSuite = {
    file,
    dir,
    name: parsed.name ?? slug(path.basename(dir)),
    description: parsed.description ?? '',
    release: parsed.release ?? null,
    seed: parsed.seed ?? DEFAULTS.suite.seed,
    scenarioGlobs: parsed.scenarios ?? [...DEFAULTS.suite.scenarioGlobs],
    allowRemote: parsed.allowRemote ?? DEFAULTS.suite.allowRemote,
    toxiproxy: { url: parsed.toxiproxy?.url ?? null, prefix: parsed.toxiproxy?.prefix ?? DEFAULTS.suite.toxiproxyPrefix },
    prometheus: parsed.prometheus === undefined ? null : { url: parsed.prometheus.url },
    services,
    target,
    proxies: Object.entries(parsed.proxies ?? {}).map(([name, proxy]) => ({ name, upstream: proxy.upstream, listen: proxy.listen ?? DEFAULTS.proxyListen })),
    load: parsed.load === undefined ? null : resolveLoad(parsed.load, null),
    slos,
    alerts,
    evaluation: { intervalMs: parsed.evaluation?.interval ?? DEFAULTS.evaluation.intervalMs, minEvents: parsed.evaluation?.minEvents ?? DEFAULTS.evaluation.minEvents },
    ports: [],
    tempDirs: [],
  };
  suite.ports = placeholderNames(suite, 'port');
  suite.tempDirs = placeholderNames(suite, 'tmp');
  return suite;
}

/** A folder name made into a suite name: letters, digits, `_`, `-`, `.`, at most 100. */
function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z_]+/, '').slice(0, 100).replace(/[-.]+$/, '');
  return cleaned === '' ? 'suite' : cleaned;
}

/** A command line split on spaces; `\ ` keeps a space inside an argument (no shell, no quotes). */
export function splitCommand(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\' && line[i + 1] === ' ') {
      current += ' ';
      i++;
    } else if (ch === ' ' || ch === '\t') {
      if (current !== '') parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** A service, or the target (whose command is absent when it is external). */
function resolveProcess(name: string, spec: Omit<ProcessParsed, 'command'> & { command?: ProcessParsed['command'] | undefined }, dir: string, healthUrl: string | null): ResolvedProcess {
  const command = spec.command === undefined ? [] : typeof spec.command === 'string' ? splitCommand(spec.command) : [...spec.command];
  return {
    name,
    command,
    cwd: path.resolve(dir, spec.cwd ?? '.'),
    env: { ...spec.env },
    ready: resolveReady(spec.ready, healthUrl),
    stop: { signal: (spec.stop?.signal ?? DEFAULTS.process.stopSignal), graceMs: spec.stop?.grace ?? DEFAULTS.process.stopGraceMs },
    restart: {
      when: spec.restart?.when ?? DEFAULTS.process.restart.when,
      delayMs: spec.restart?.delay ?? DEFAULTS.process.restart.delayMs,
      limit: spec.restart?.limit ?? DEFAULTS.process.restart.limit,
    },
  };
}

/** No `ready`: the target is ready when its health URL answers 200; a service at once. */
function resolveReady(ready: ProcessParsed['ready'], healthUrl: string | null): ResolvedReady {
  const timeoutMs = ready?.timeout ?? DEFAULTS.process.readyTimeoutMs;
  const status = ready?.status ?? DEFAULTS.process.readyStatus;
  if (ready?.http !== undefined) return { kind: 'http', value: ready.http, status, timeoutMs };
  if (ready?.tcp !== undefined) return { kind: 'tcp', value: ready.tcp, status, timeoutMs };
  if (ready?.log !== undefined) return { kind: 'log', value: ready.log, status, timeoutMs };
  if (healthUrl !== null) return { kind: 'http', value: healthUrl, status, timeoutMs };
  return { kind: 'none', value: '', status, timeoutMs };
}

/** The suite's load with a scenario's overrides on top (a given `request` replaces the whole request). */
export function resolveLoad(load: Partial<LoadParsed>, base: ResolvedLoad | null): ResolvedLoad | null {
  const request = load.request ?? undefined;
  if (request === undefined && base === null) return null;
  return {
    request:
      request === undefined && base !== null
        ? base.request
        : {
            method: request?.method ?? DEFAULTS.load.method,
            url: request?.url ?? '',
            // A mapping or list body is sent as JSON, so it says so unless the file names a content-type.
            headers: request?.body !== undefined && typeof request.body !== 'string' && !Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === 'content-type') ? { 'content-type': 'application/json', ...request.headers } : { ...request?.headers },
            body: request?.body === undefined ? null : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
          },
    ratePerSecond: load.rate ?? base?.ratePerSecond ?? DEFAULTS.load.ratePerSecond,
    timeoutMs: load.timeout ?? base?.timeoutMs ?? DEFAULTS.load.timeoutMs,
    connections: load.connections ?? base?.connections ?? DEFAULTS.load.connections,
  };
}

/** Every `${port:NAME}` (or `${tmp:NAME}`) the suite uses, sorted: the runner makes one of each per run. */
function placeholderNames(suite: ResolvedSuite, kind: 'port' | 'tmp'): string[] {
  const texts: string[] = [];
  for (const process of [...suite.services, suite.target]) {
    texts.push(...process.command, ...Object.values(process.env), process.ready.value);
  }
  texts.push(suite.target.health?.url ?? '', suite.target.metrics?.url ?? '');
  for (const proxy of suite.proxies) texts.push(proxy.upstream, proxy.listen);
  if (suite.load !== null) texts.push(suite.load.request.url, ...Object.values(suite.load.request.headers), suite.load.request.body ?? '');
  const names = new Set<string>();
  for (const text of texts) for (const p of scanPlaceholders(text).placeholders) if (p.kind === kind) names.add(p.name);
  return [...names].sort();
}
