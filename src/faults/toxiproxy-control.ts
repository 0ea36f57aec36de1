import { fileURLToPath } from 'node:url';
import { Toxiproxy, type Proxy, type Toxic } from 'toxiproxy-node-client';
import type { Clock } from '../clock.js';
import { FaultlineError } from '../errors.js';
import type { ResolvedNetwork } from '../scenario/types.js';
import { ManagedProcess } from '../target/process.js';
import type { Watchdog } from '../target/watchdog.js';

/**
 * The runner's Toxiproxy: the embedded server in its own process (so its work never competes
 * with the load generator's timers), or a real Toxiproxy at a URL. Either way, faultline
 * drives it only through toxiproxy-node-client, so both behave the same.
 */

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** The embedded server as a process to start (`faultline toxiproxy --port 0`): register its stop, then start it. */
export function embeddedToxiproxy(options: { clock: Clock; watchdog: Watchdog | undefined; logFile: string; seed: number }): ManagedProcess {
  return new ManagedProcess(
    {
      name: 'toxiproxy',
      command: [process.execPath, CLI, 'toxiproxy', '--port', '0', '--seed', String(options.seed)],
      cwd: process.cwd(),
      env: { PATH: process.env['PATH'] ?? '' },
      ready: { kind: 'log', value: '"event":"listening"', status: 200, timeoutMs: 15_000 },
      stop: { signal: 'SIGTERM', graceMs: 5_000 },
      logFile: options.logFile,
    },
    options.clock,
    options.watchdog,
  );
}

/** The API URL a started embedded server printed. */
export function embeddedUrl(server: ManagedProcess): string {
  const line = server.tail.lines().find((l) => l.includes('"event":"listening"'));
  const url = line === undefined ? undefined : (JSON.parse(line) as { url?: string }).url;
  if (url === undefined) throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', 'the embedded Toxiproxy did not say where it listens');
  return url;
}

/** Toxiproxy attributes in Toxiproxy's own units (ms, KB/s, µs for slicer delays, bytes). */
export function toxicAttributes(network: ResolvedNetwork): Record<string, number> {
  switch (network.toxic) {
    case 'latency':
      return { latency: Math.round(network.latencyMs), jitter: Math.round(network.jitterMs) };
    case 'bandwidth':
      return { rate: Math.max(0, Math.floor(network.bytesPerSecond / 1000)) };
    case 'slow_close':
      return { delay: Math.round(network.delayMs) };
    case 'timeout':
    case 'reset_peer':
      return { timeout: Math.round(network.timeoutMs) };
    case 'slicer':
      return { average_size: network.averageSize, size_variation: network.sizeVariation, delay: Math.round(network.delayMs * 1000) };
    case 'limit_data':
      return { bytes: network.bytes };
    case 'down':
      return {};
  }
}

/**
 * Where the runner reaches a proxy that Toxiproxy says listens on `listen`. A proxy on every
 * interface (`0.0.0.0:8666`, `[::]:8666`, as a Toxiproxy in a container is told to listen so
 * that other containers reach it) is reached at the host of Toxiproxy's API URL, on the same
 * port: in docker compose, the port that the stack publishes next to the API. Any other
 * address is already one the runner can dial.
 */
export function reachableAddress(listen: string, apiUrl: string): string {
  const match = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(listen);
  if (match === null) return listen;
  const host = match[1] as string;
  if (host !== '0.0.0.0' && host !== '[::]' && host !== '') return listen;
  let apiHost: string;
  try {
    apiHost = new URL(apiUrl).hostname;
  } catch {
    return listen;
  }
  return `${apiHost}:${match[2] as string}`;
}

export class ToxiproxyControl {
  readonly client: Toxiproxy;
  readonly #proxies = new Map<string, Proxy>();
  /** Toxics this run added, by fault name: a revert is then one DELETE, not a lookup first. */
  readonly #toxics = new Map<string, Toxic<unknown>>();

  constructor(
    readonly url: string,
    /** Run-scoped prefix: `<prefix>-p<runner pid>-`. */
    readonly runPrefix: string,
  ) {
    this.client = new Toxiproxy(url);
  }

  /** The run-scoped name prefix for a suite prefix and this runner. */
  static runPrefix(prefix: string): string {
    return `${prefix}-p${process.pid}-`;
  }

  /**
   * Removes proxies a crashed run left behind: names `<prefix>-p<pid>-...` whose runner is no
   * longer alive on this machine. Returns their names.
   */
  async sweepStale(prefix: string): Promise<string[]> {
    const all = await this.#call('list the proxies', () => this.client.getAll());
    const swept: string[] = [];
    for (const [name, proxy] of Object.entries(all)) {
      const match = new RegExp(`^${escape(prefix)}-p(\\d+)-`).exec(name);
      if (match === null) continue;
      const pid = Number(match[1]);
      if (pid === process.pid || alive(pid)) continue;
      await this.#call(`remove the stale proxy ${name}`, () => proxy.remove());
      swept.push(name);
    }
    return swept;
  }

  /** Creates a proxy; resolves with the address it really listens on, as the runner reaches it (reachableAddress). */
  async createProxy(name: string, listen: string, upstream: string): Promise<string> {
    const full = `${this.runPrefix}${name}`;
    const proxy = await this.#call(`create the proxy ${full}`, () => this.client.createProxy({ name: full, listen, upstream }));
    this.#proxies.set(name, proxy);
    return reachableAddress(proxy.listen, this.url);
  }

  async removeProxy(name: string): Promise<void> {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) return;
    this.#proxies.delete(name);
    await this.#call(`remove the proxy ${proxy.name}`, async () => {
      try {
        await proxy.remove();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  /** Puts a fault's toxic on its proxy (or disables the proxy for `down`). */
  async apply(faultName: string, network: ResolvedNetwork): Promise<void> {
    const proxy = this.#proxy(network.proxy);
    if (network.toxic === 'down') {
      const updated = await this.#call(`disable the proxy ${proxy.name}`, () => proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream }));
      this.#proxies.set(network.proxy, updated);
      return;
    }
    const toxic = await this.#call(`add the ${network.toxic} toxic to ${proxy.name}`, () =>
      proxy.addToxic<unknown>({ name: faultName, type: network.toxic, stream: network.stream, toxicity: network.toxicity, attributes: toxicAttributes(network) }),
    );
    this.#toxics.set(faultName, toxic);
  }

  /** Takes the fault off again; idempotent (a toxic already gone is fine). */
  async revert(faultName: string, network: ResolvedNetwork): Promise<void> {
    const proxy = this.#proxy(network.proxy);
    if (network.toxic === 'down') {
      const updated = await this.#call(`enable the proxy ${proxy.name}`, () => proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream }));
      this.#proxies.set(network.proxy, updated);
      return;
    }
    await this.#call(`remove the toxic ${faultName} from ${proxy.name}`, async () => {
      try {
        const toxic = this.#toxics.get(faultName) ?? (await proxy.getToxic(faultName));
        this.#toxics.delete(faultName);
        await toxic.remove();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  /** Names of the toxics on a proxy right now (for verification and cleanup checks). */
  async toxics(proxyName: string): Promise<string[]> {
    const proxy = this.#proxy(proxyName);
    const fresh = await this.#call(`read the proxy ${proxy.name}`, () => this.client.get(proxy.name));
    return fresh.toJson().toxics.map((t) => t.name);
  }

  #proxy(name: string): Proxy {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) throw new FaultlineError('FAULTLINE_INTERNAL', `no proxy named ${name} in this run`);
    return proxy;
  }

  async #call<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', `Toxiproxy at ${this.url}: cannot ${what}: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'is Toxiproxy running and reachable?',
        cause: error,
      });
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isNotFound(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /404|not found/i.test(text);
}
