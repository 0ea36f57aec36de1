import { isMainThread } from 'node:worker_threads';
import { FaultTable } from './fault-table.js';
import { INJECT_PARENT_ENV, INJECT_PROTOCOL_VERSION, faultSpecProblem, isInjectorMessage, isTagged, parseRunnerMessage, tag, type InjectorMessage, type RunnerMessage, type Untagged } from './protocol.js';
import { startSampler } from './sampler.js';

/** process.channel as Node's child_process makes it: it counts the listeners that ref it (see below). */
interface CountedChannel {
  unrefCounted?: () => void;
}

/**
 * Starts the injector in this process, if it is the one the runner talks to: the main thread
 * of a process with an IPC channel (whose parent is the runner, when the runner says so).
 * Returns false when it did nothing.
 */
export function startInjector(): boolean {
  if (!isMainThread || typeof process.send !== 'function' || !process.connected) return false;
  const parent = process.env[INJECT_PARENT_ENV];
  if (parent !== undefined && parent !== String(process.ppid)) return false;

  const faults = new FaultTable();
  const send = (message: Untagged<InjectorMessage>): void => {
    if (!process.connected || process.send === undefined) return;
    // With a callback a failed send (the runner just died) is reported there instead of
    // being emitted as an 'error' on process, which would crash the target.
    process.send(tag(message), undefined, {}, () => undefined);
  };

  const handle = async (message: RunnerMessage): Promise<void> => {
    switch (message.op) {
      case 'apply': {
        const problem = faultSpecProblem(message.fault);
        if (problem !== undefined) return send({ op: 'failed', id: message.id, message: problem });
        const result = await faults.apply(message.id, message.fault);
        return send(result.ok ? { op: 'applied', id: message.id } : { op: 'failed', id: message.id, message: result.message });
      }
      case 'arm': {
        const problem = faultSpecProblem(message.fault) ?? (message.fault.kind === 'cpu' ? undefined : 'only a cpu fault can be armed');
        if (problem !== undefined) return send({ op: 'failed', id: message.id, message: problem });
        const result = await faults.arm(message.id, message.fault);
        return send(result.ok ? { op: 'armed', id: message.id } : { op: 'failed', id: message.id, message: result.message });
      }
      case 'revert':
        return send({ op: 'reverted', id: message.id, ...(await faults.revert(message.id)) });
      case 'revert-all':
        await faults.revertAll();
        return send({ op: 'reverted-all' });
    }
  };

  process.on('message', (value: unknown) => {
    // Only messages tagged as ours; the target's own messages are none of our business.
    const message = parseRunnerMessage(value);
    if (message === undefined) {
      if (isTagged(value) && typeof value.id === 'string' && !isInjectorMessage(value)) send({ op: 'failed', id: value.id, message: `unknown op ${JSON.stringify(value.op)}` });
      return;
    }
    // Nothing may escape into the target: an exception here would be its uncaughtException.
    handle(message).catch((error: unknown) => {
      if (message.op !== 'revert-all') send({ op: 'failed', id: message.id, message: `injector error: ${error instanceof Error ? error.message : String(error)}` });
    });
  });

  const sampler = startSampler(faults, send);
  // The dead-man switch: the runner died or let go of the channel; nobody will revert now.
  process.on('disconnect', () => {
    sampler.stop();
    faults.abandon();
  });

  // Node refs the IPC channel for every 'message' and 'disconnect' listener, so ours would
  // keep a target alive that would otherwise exit. Undo exactly those two counts, as execa
  // does for its own listeners (lib/ipc/reference.js): the target's own listeners still ref
  // the channel as they would without us. (process.channel.unref() would be sticky and stop
  // the target's listeners from ever ref'ing it.)
  const channel = process.channel as CountedChannel | undefined;
  if (typeof channel?.unrefCounted === 'function') {
    channel.unrefCounted();
    channel.unrefCounted();
  }

  send({ op: 'hello', protocol: INJECT_PROTOCOL_VERSION, pid: process.pid, node: process.version });
  return true;
}
