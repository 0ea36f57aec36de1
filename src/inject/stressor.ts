#!/usr/bin/env node
/**
 * The CPU fault as a process of its own, for targets that are not Node.js (no injector
 * inside them): `node stressor.js <workers> <load 0..1>`. The same duty-cycled threads as the
 * in-process fault. It starts armed (`{"event":"armed"}`) so the runner can start it before the
 * timeline; SIGUSR1 starts the threads (`{"event":"started"}` once they spin), then it prints
 * `{"cpuLoad":x}` every 250 ms; it exits on SIGTERM or SIGINT (the runner's watchdog SIGKILLs
 * it if the runner dies).
 */
import { CpuFault } from './cpu-fault.js';

const [workersText, loadText] = process.argv.slice(2);
const workers = Number(workersText);
const load = Number(loadText);
if (!Number.isInteger(workers) || workers < 1 || !(load > 0 && load <= 1)) {
  process.stderr.write('usage: stressor.js <workers ≥ 1> <load in (0, 1]>\n');
  process.exit(2);
}

const fault = new CpuFault({ kind: 'cpu', workers, load });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void fault.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const keepAlive = setInterval(() => undefined, 60_000);
process.stdout.write(`${JSON.stringify({ event: 'armed', pid: process.pid })}\n`);
await new Promise<void>((resolve) => process.once('SIGUSR1', () => resolve()));
clearInterval(keepAlive);
try {
  await fault.start();
} catch (error) {
  process.stderr.write(`cannot start the CPU threads: ${error instanceof Error ? error.message : String(error)}\n`);
  await fault.stop();
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ event: 'started', pid: process.pid })}\n`);
fault.takeCycles();
setInterval(() => {
  const cycles = fault.takeCycles().filter((c): c is number => c !== null);
  const cpuLoad = cycles.length === 0 ? null : cycles.reduce((a, b) => a + b, 0) / cycles.length;
  process.stdout.write(`${JSON.stringify({ cpuLoad, workers: fault.alive })}\n`);
}, 250);
