import { formatPath, type Path, type ScenarioIssue, type SourceFile } from './source.js';
import type { SuiteParsed } from './schema/suite.js';
import type { PlaceholderUse } from './templates.js';
import { didYouMean } from './suggest.js';
import type { ResolvedSuite } from './types.js';
import { checkAddress } from './addresses.js';
import { checkExternalSuite } from './check-external.js';

/** Collects issues for one file, positioned by path. */
export class IssueSink {
  readonly issues: ScenarioIssue[] = [];
  constructor(readonly source: SourceFile) {}

  /** `shown`: the path to print when it differs from where the issue points (a missing key). */
  add(path: Path, code: string, message: string, hint?: string, options: { key?: boolean; needle?: string; shown?: Path } = {}): void {
    const { line, column } = options.needle !== undefined ? this.source.locateText(path, options.needle) : this.source.locate(path, { key: options.key ?? false });
    this.issues.push({ code, file: this.source.file, line, column, path: formatPath(options.shown ?? path), message, ...(hint === undefined ? {} : { hint }) });
  }

  /** An "unknown NAME" issue with a did-you-mean hint over the known names. */
  unknown(path: Path, code: string, what: string, name: string, known: readonly string[], options: { needle?: string } = {}): void {
    const guess = didYouMean(name, known);
    const plural = what.endsWith('y') && !what.endsWith('ey') ? `${what.slice(0, -1)}ies` : `${what}s`;
    const hint = guess !== undefined ? `did you mean "${guess}"?` : known.length === 0 ? `the suite defines no ${plural}` : `known ${plural}: ${known.join(', ')}`;
    this.add(path, code, `unknown ${what} "${name}"`, hint, options);
  }
}

/** Checks that need more than one field of the suite: references, windows, addresses. */
export function checkSuite(parsed: SuiteParsed, suite: ResolvedSuite, uses: readonly PlaceholderUse[], sink: IssueSink): void {
  const sloNames = suite.slos.map((s) => s.name);
  const proxyNames = suite.proxies.map((p) => p.name);

  for (const alert of suite.alerts) {
    const at = ['alerts', alert.name];
    const slo = suite.slos.find((s) => s.name === alert.slo);
    if (slo === undefined) sink.unknown([...at, 'slo'], 'UNKNOWN_SLO', 'SLO', alert.slo, sloNames);
    if (alert.shortMs >= alert.longMs) sink.add([...at, 'short'], 'ALERT_WINDOWS', 'the short window must be shorter than the long window', 'the workbook uses a short window of 1/12 of the long one; in compressed runs keep it at 5 scrape (or evaluation) intervals or more, e.g. long: 30s, short: 5s');
    if (slo !== undefined && alert.source === 'server' && slo.server === null) {
      sink.add([...at, 'source'], 'NO_SERVER_SLI', `alert reads the server-side SLI but SLO "${slo.name}" has no server selectors`, 'add `server:` to the SLO, or set `source: client`');
    }
    if (slo !== undefined && alert.source === 'client' && !slo.client) {
      sink.add([...at, 'source'], 'NO_CLIENT_SLI', `alert reads the client-side SLI but SLO "${slo.name}" has client: false`, 'set `source: server`');
    }
  }

  for (const slo of suite.slos) {
    const at = ['slos', slo.name];
    if (slo.server !== null && suite.target.metrics === null) {
      sink.add([...at, 'server'], 'NO_METRICS', 'a server-side SLI needs the target\'s metrics', 'add `target.metrics.url`');
    }
    if (!slo.client && slo.server === null) sink.add(at, 'NO_SLI', 'the SLO measures nothing: client is false and there is no server', 'set `client: true` or add `server:`', { key: true });
  }

  checkExternalSuite(parsed, sink);

  if (parsed.load !== undefined && parsed.load.request === undefined) sink.add(['load'], 'MISSING_KEY', 'missing required key "request"', 'the suite\'s load needs a request: { url: ... }', { key: true, shown: ['load', 'request'] });

  for (const use of uses) {
    if (use.kind === 'proxy' && !proxyNames.includes(use.name)) sink.unknown(use.path, 'UNKNOWN_PROXY', 'proxy', use.name, proxyNames, { needle: use.text });
  }
  // A port connects two places (who listens, who connects); a name used once, close to
  // another name, is a typo that would silently allocate a second port.
  for (const kind of ['port', 'tmp'] as const) {
    const counts = new Map<string, number>();
    for (const use of uses) if (use.kind === kind) counts.set(use.name, (counts.get(use.name) ?? 0) + 1);
    for (const use of uses) {
      if (use.kind !== kind || counts.get(use.name) !== 1) continue;
      const others = [...counts.keys()].filter((n) => n !== use.name && (counts.get(n) ?? 0) > 1);
      // db1 next to db2 is a numbering, not a typo.
      const guess = didYouMean(use.name, others.filter((n) => n.replace(/\d+/g, '') !== use.name.replace(/\d+/g, '')));
      if (guess !== undefined) sink.add(use.path, kind === 'port' ? 'PORT_TYPO' : 'TMP_TYPO', `\${${kind}:${use.name}} is used only here, and "${guess}" elsewhere`, `did you mean \${${kind}:${guess}}?`, { needle: use.text });
    }
  }

  for (const [index, process] of [...suite.services, suite.target].entries()) {
    const at = index < suite.services.length ? ['services', process.name] : ['target'];
    const rawReady = index < suite.services.length ? parsed.services?.[process.name]?.ready : parsed.target.ready;
    if (rawReady?.status !== undefined && rawReady.http === undefined) {
      sink.add([...at, 'ready', 'status'], 'READY_STATUS', '`status` only applies to an http readiness check', 'drop it, or check readiness with `http:`', { key: true });
    }
    if (process.ready.kind === 'log') {
      try {
        new RegExp(process.ready.value);
      } catch {
        sink.add([...at, 'ready', 'log'], 'BAD_REGEX', `"${process.ready.value}" is not a valid regular expression`);
      }
    }
  }

  const addresses: [Path, string | undefined, 'url' | 'host'][] = [
    [['toxiproxy', 'url'], parsed.toxiproxy?.url, 'url'],
    [['prometheus', 'url'], parsed.prometheus?.url, 'url'],
    [['target', 'health', 'url'], parsed.target.health?.url, 'url'],
    [['target', 'metrics', 'url'], parsed.target.metrics?.url, 'url'],
    [['target', 'ready', 'http'], parsed.target.ready?.http, 'url'],
    [['target', 'ready', 'tcp'], parsed.target.ready?.tcp, 'host'],
    [['load', 'request', 'url'], parsed.load?.request?.url, 'url'],
    ...Object.entries(parsed.services ?? {}).flatMap(([name, s]): [Path, string | undefined, 'url' | 'host'][] => [
      [['services', name, 'ready', 'http'], s.ready?.http, 'url'],
      [['services', name, 'ready', 'tcp'], s.ready?.tcp, 'host'],
    ]),
    ...Object.entries(parsed.proxies ?? {}).flatMap(([name, p]): [Path, string | undefined, 'url' | 'host'][] => [
      [['proxies', name, 'upstream'], p.upstream, 'host'],
      [['proxies', name, 'listen'], p.listen, 'host'],
    ]),
  ];
  for (const [path, value, kind] of addresses) {
    if (value === undefined) continue;
    const problem = checkAddress(value, kind, suite.allowRemote);
    if (problem !== undefined) sink.add(path, problem.code, problem.message, problem.hint);
  }
}
