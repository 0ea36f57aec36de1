import { resolveListen, joinHostPort } from './address.js';
import { ApiError, errors } from './api-error.js';
import { GoObject } from './lenient-json.js';
import { Proxy, type ProxyOptions } from './proxy.js';

interface ProxySpec {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

function readSpec(body: GoObject, position?: number): ProxySpec {
  const name = body.string('name') ?? '';
  const upstream = body.string('upstream') ?? '';
  if (name === '') throw position === undefined ? errors.missingName() : errors.missingNameAt(position);
  if (upstream === '') throw position === undefined ? errors.missingUpstream() : errors.missingUpstreamAt(position);
  return { name, listen: body.string('listen') ?? '', upstream, enabled: body.boolean('enabled') ?? true };
}

/** Every proxy of one server, by name. Operations follow Toxiproxy 2.x's semantics exactly. */
export class ProxyCollection {
  #proxies = new Map<string, Proxy>();

  constructor(private readonly options: ProxyOptions) {}

  /** Sorted by name, as Go encodes a map. */
  all(): Proxy[] {
    return [...this.#proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Proxy {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) throw errors.proxyNotFound();
    return proxy;
  }

  /** POST /proxies: starts the listener before answering; on a bind error the proxy is not added. */
  async create(body: GoObject): Promise<Proxy> {
    const spec = readSpec(body);
    if (this.#proxies.has(spec.name)) throw errors.proxyExists();
    const proxy = new Proxy(spec.name, spec.listen, spec.upstream, this.options);
    if (spec.enabled) await proxy.start();
    if (this.#proxies.has(spec.name)) {
      // Another create won the race while this one was binding.
      await proxy.stop();
      throw errors.proxyExists();
    }
    this.#proxies.set(spec.name, proxy);
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.#proxies.delete(name);
    await proxy.stop();
  }

  /**
   * POST/PATCH /proxies/{name}: absent fields keep their value. A different (resolved) listen
   * or upstream restarts the proxy, dropping its connections; the same address under another
   * name (localhost vs 127.0.0.1) changes nothing. A failed re-bind leaves it disabled.
   */
  async update(name: string, body: GoObject): Promise<Proxy> {
    const proxy = this.get(name);
    const listen = body.string('listen') ?? proxy.listen;
    const upstream = body.string('upstream') ?? proxy.upstream;
    const enabled = body.boolean('enabled') ?? proxy.enabled;
    if (await this.#differs(proxy, listen, upstream)) {
      await proxy.stop();
      proxy.listen = listen;
      proxy.upstream = upstream;
    }
    if (enabled && !proxy.enabled) await proxy.start();
    else if (!enabled && proxy.enabled) await proxy.stop();
    return proxy;
  }

  async #differs(proxy: Proxy, listen: string, upstream: string): Promise<boolean> {
    if (upstream !== proxy.upstream) return true;
    if (listen === proxy.listen) return false;
    const wanted = await resolveListen(listen, true);
    if (wanted.port === 0) return true;
    return joinHostPort(wanted.host, wanted.port) !== proxy.listen;
  }

  /**
   * POST /populate: validate every item first (nothing is created if one is bad), then add or
   * replace in order; an existing proxy with the same resolved listen and upstream is kept as
   * it is, toxics, connections and enabled state included. Stops at the first failure.
   */
  async populate(items: unknown): Promise<{ proxies: Proxy[]; error?: ApiError }> {
    if (!Array.isArray(items)) {
      throw errors.badBody(`json: cannot unmarshal ${items === null ? 'null' : typeof items} into Go value of type []proxy.Proxy`);
    }
    let specs: ProxySpec[];
    try {
      specs = items.map((item, i) => readSpec(GoObject.from(item, 'proxy.Proxy'), i + 1));
    } catch (error) {
      if (error instanceof ApiError) return { proxies: [], error };
      throw error;
    }
    const done: Proxy[] = [];
    for (const spec of specs) {
      try {
        done.push(await this.#addOrReplace(spec));
      } catch (error) {
        if (error instanceof ApiError) return { proxies: done, error };
        throw error;
      }
    }
    return { proxies: done };
  }

  async #addOrReplace(spec: ProxySpec): Promise<Proxy> {
    const existing = this.#proxies.get(spec.name);
    if (existing !== undefined) {
      if (!(await this.#differs(existing, spec.listen, spec.upstream))) return existing;
      await existing.stop();
    }
    const proxy = new Proxy(spec.name, spec.listen, spec.upstream, this.options);
    // On a bind failure the old proxy stays (stopped), as in Toxiproxy.
    if (spec.enabled) await proxy.start();
    this.#proxies.set(spec.name, proxy);
    return proxy;
  }

  /** POST /reset: re-enable every proxy, then remove every toxic. Connections survive. */
  async reset(): Promise<void> {
    for (const proxy of this.all()) {
      if (!proxy.enabled) await proxy.start();
    }
    for (const proxy of this.all()) proxy.toxics.removeAll();
  }

  async closeAll(): Promise<void> {
    const proxies = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(proxies.map((p) => p.stop()));
  }
}
