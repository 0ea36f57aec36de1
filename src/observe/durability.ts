import { Agent, request } from 'undici';
import type { Clock } from '../clock.js';
import type { DurabilityRecord } from '../record/types.js';

/**
 * The `durability` expectation's observer: writes keys at a steady rate with
 * `PUT <url><key>` (a JSON body naming the key) while its phases run, remembers every write
 * that was acknowledged (2xx), and once the scenario is over reads each one back with
 * `GET <url><key>`. An acknowledged write that cannot be read back, or reads back different,
 * is lost: exactly what a write-ahead log without fsync does to a kill -9.
 */

export interface DurabilityWriter {
  /** Stops writing (at the end of its phases); in-flight writes finish or time out. */
  stopWriting(): Promise<void>;
  /** Reads every acknowledged key back and returns the record. Call once the target is up again. */
  verify(): Promise<DurabilityRecord>;
}

const TIMEOUT_MS = 2_000;

export function startDurabilityWriter(options: { url: string; ratePerSecond: number; clock: Clock; maxWrites?: number }): DurabilityWriter {
  const dispatcher = new Agent({ connections: 8, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const acknowledged: { key: string; body: string; t: number }[] = [];
  const failed: Record<string, number> = {};
  let attempted = 0;
  const inflight = new Set<Promise<void>>();
  const prefix = `faultline-${options.clock.startedAt.replace(/[^0-9]/g, '').slice(0, 14)}-`;
  const maxWrites = options.maxWrites ?? options.ratePerSecond * 3600;
  const write = () => {
    if (attempted >= maxWrites) return;
    const key = `${prefix}${attempted++}`;
    const t = options.clock.now();
    const body = JSON.stringify({ key, seq: attempted - 1 });
    const done = request(`${options.url}${key}`, { method: 'PUT', body, headers: { 'content-type': 'application/json' }, dispatcher, signal: AbortSignal.timeout(TIMEOUT_MS) })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) acknowledged.push({ key, body, t });
        else failed[String(response.statusCode)] = (failed[String(response.statusCode)] ?? 0) + 1;
      })
      .catch((error: unknown) => {
        const code = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
        failed[code] = (failed[code] ?? 0) + 1;
      })
      .finally(() => inflight.delete(done));
    inflight.add(done);
  };
  const timer = setInterval(write, 1000 / options.ratePerSecond);
  timer.unref();

  return {
    async stopWriting() {
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
    async verify() {
      clearInterval(timer);
      await Promise.all([...inflight]);
      const lost: string[] = [];
      const mismatched: string[] = [];
      for (const write of acknowledged) {
        try {
          const response = await request(`${options.url}${write.key}`, { method: 'GET', dispatcher, signal: AbortSignal.timeout(TIMEOUT_MS) });
          const text = await response.body.text();
          if (response.statusCode === 404) lost.push(write.key);
          else if (response.statusCode < 200 || response.statusCode >= 300) lost.push(write.key);
          else if (!sameData(text, write.body)) mismatched.push(write.key);
        } catch {
          lost.push(write.key);
        }
      }
      await dispatcher.close();
      return { attempted, acknowledged: acknowledged.length, failedWrites: failed, verified: acknowledged.length - lost.length - mismatched.length, lost, mismatched, verifiedAt: options.clock.now() };
    },
  };
}

/** The read-back holds what was written: the body itself, or a JSON envelope whose `data` is it. */
function sameData(read: string, written: string): boolean {
  try {
    const expected = JSON.parse(written) as unknown;
    const actual = JSON.parse(read) as { data?: unknown };
    return JSON.stringify(actual) === JSON.stringify(expected) || JSON.stringify(actual.data) === JSON.stringify(expected);
  } catch {
    return read === written;
  }
}
