import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Direction } from './link.js';
import type { Proxy } from './proxy.js';

/**
 * Toxiproxy's proxy metrics (`toxiproxy_proxy_received_bytes_total`, `..._sent_bytes_total`
 * with direction, proxy, listener and upstream labels), counted live rather than when a link
 * finishes, plus an active-connection gauge Toxiproxy lacks, plus Node's process metrics.
 */
export class ToxiproxyMetrics {
  readonly registry = new Registry();
  #received = new Counter({
    name: 'toxiproxy_proxy_received_bytes_total',
    help: 'Bytes read from the source of a link (client for upstream, server for downstream).',
    labelNames: ['direction', 'proxy', 'listener', 'upstream'],
    registers: [this.registry],
  });
  #sent = new Counter({
    name: 'toxiproxy_proxy_sent_bytes_total',
    help: 'Bytes written to the destination of a link, after toxics.',
    labelNames: ['direction', 'proxy', 'listener', 'upstream'],
    registers: [this.registry],
  });

  constructor(proxies: () => Iterable<Proxy>) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'toxiproxy_proxy_connections',
      help: 'Connections open through each proxy right now.',
      labelNames: ['proxy'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const proxy of proxies()) this.set({ proxy: proxy.name }, proxy.connections.size);
      },
    });
  }

  bytes(proxy: Proxy, direction: Direction, received: number, sent: number): void {
    const labels = { direction, proxy: proxy.name, listener: proxy.listen, upstream: proxy.upstream };
    if (received > 0) this.#received.inc(labels, received);
    if (sent > 0) this.#sent.inc(labels, sent);
  }
}
