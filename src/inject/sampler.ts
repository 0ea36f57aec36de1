import { createHistogram } from 'node:perf_hooks';
import { meanDutyCycle } from './duty-cycle.js';
import type { FaultTable } from './fault-table.js';
import { SAMPLE_INTERVAL_MS, type SampleMessage } from './protocol.js';

export interface Sampler {
  stop(): void;
}

/** Period of the event-loop probe, ms (monitorEventLoopDelay's default resolution). */
const PROBE_MS = 10;

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * How late the main thread runs a PROBE_MS timer, as a histogram (µs) per sample interval.
 *
 * Not perf_hooks.monitorEventLoopDelay: its reset() also forgets when it last ticked, so the
 * interval in progress at a reset is dropped (measured: a 100 ms block right after reset()
 * reads as max 10 ms). Resetting every 250 ms would lose every block that starts next to a
 * sample. Here the last tick lives outside the histogram. Also unlike monitorEventLoopDelay,
 * the value is the lateness, not the whole interval: an idle loop reads ~0-2 ms, not ~10 ms.
 */
function startLoopProbe() {
  const histogram = createHistogram();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    histogram.record(Math.max(1, Math.round((now - last - PROBE_MS) * 1000)));
    last = now;
  }, PROBE_MS).unref();
  return {
    /** p99 lateness since the previous call, ms (0 when no tick ran). */
    takeP99(): number {
      const p99 = histogram.count === 0 ? 0 : histogram.percentile(99) / 1000;
      histogram.reset();
      return p99;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Sends a sample every SAMPLE_INTERVAL_MS: what the faults achieve and what the target's
 * memory and event loop look like. The timers are unref'd: sampling never keeps a target alive.
 */
export function startSampler(faults: FaultTable, send: (sample: Omit<SampleMessage, 'faultline'>) => void): Sampler {
  const probe = startLoopProbe();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const cpuLoad = meanDutyCycle(faults.takeCpuCycles(performance.now()));
    send({
      op: 'sample',
      cpuLoad: cpuLoad === null ? null : round(cpuLoad, 4),
      cpuWorkers: faults.cpuWorkers,
      retainedBytes: faults.retainedBytes,
      heapUsed: memory.heapUsed,
      arrayBuffers: memory.arrayBuffers,
      rss: memory.rss,
      eventLoopDelayP99: round(probe.takeP99(), 3),
    });
  }, SAMPLE_INTERVAL_MS).unref();
  return {
    stop() {
      clearInterval(timer);
      probe.stop();
    },
  };
}
