import path from 'node:path';
import type { Clock } from '../clock.js';
import { embeddedToxiproxy, embeddedUrl } from '../faults/toxiproxy-control.js';
import type { ManagedProcess } from '../target/process.js';
import { Watchdog } from '../target/watchdog.js';

/**
 * What the scenarios of one suite run share, so that each scenario pays only for its own
 * system: one watchdog process, and one embedded Toxiproxy server (started when the first
 * scenario needs it, started again if it died, stopped by close()). Proxies stay per scenario:
 * each one creates and removes its own, so no toxic outlives its scenario.
 */
export class SuiteResources {
  readonly watchdog = Watchdog.start();
  #toxiproxy: { server: ManagedProcess; url: Promise<string> } | undefined;
  #closed = false;

  constructor(
    readonly clock: Clock,
    readonly outDir: string,
    /** Seeds the embedded server's random streams (jitter, toxicity, slicer sizes). */
    readonly seed: number,
  ) {}

  /** The embedded server's API URL, starting it on first use (or again, if it exited). */
  embeddedToxiproxyUrl(): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('the suite run is over'));
    const current = this.#toxiproxy;
    // `running` is true from the spawn on (a log-ready process spawns synchronously in start()).
    if (current !== undefined && current.server.running) return current.url;
    const server = embeddedToxiproxy({ clock: this.clock, watchdog: this.watchdog, logFile: path.join(this.outDir, 'toxiproxy.log'), seed: this.seed });
    const url = server.start().then(() => embeddedUrl(server));
    // Observed by the scenario that asked; never an unhandled rejection meanwhile.
    url.catch(() => undefined);
    this.#toxiproxy = { server, url };
    return url;
  }

  /** Stops the embedded server and the watchdog. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const server = this.#toxiproxy?.server;
    if (server !== undefined) {
      await server.stop();
      await server.close();
    }
    this.watchdog.close();
  }
}
