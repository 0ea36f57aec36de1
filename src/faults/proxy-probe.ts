import { connect } from 'node:net';

/**
 * A probe through a proxy, to see what a network fault really does: connect to `address`,
 * send a minimal HTTP request (upstreams in the suites are HTTP; any answer, even a 404,
 * counts) and time the first byte of the answer. A non-HTTP upstream may not answer: the
 * probe then says `silent`, and the fault stays unverified rather than guessed.
 */
export type ProbeResult =
  | { outcome: 'answered'; firstByteMs: number }
  | { outcome: 'refused' | 'reset' | 'closed' | 'silent'; afterMs: number };

export function probeThrough(address: string, timeoutMs: number): Promise<ProbeResult> {
  const match = /^\[?([^\]]+)\]?:(\d+)$/.exec(address);
  if (match === null) return Promise.resolve({ outcome: 'refused', afterMs: 0 });
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    const socket = connect({ host: match[1] as string, port: Number(match[2]) });
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ outcome: 'silent', afterMs: elapsed() }), timeoutMs);
    socket.once('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${match[1] as string}\r\nConnection: close\r\nUser-Agent: faultline-probe\r\n\r\n`));
    socket.once('data', () => done({ outcome: 'answered', firstByteMs: elapsed() }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ outcome: error.code === 'ECONNREFUSED' ? 'refused' : 'reset', afterMs: elapsed() }));
    socket.once('close', () => done({ outcome: 'closed', afterMs: elapsed() }));
  });
}
