import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startDurabilityWriter } from '../../../src/observe/durability.js';
import { freePort } from '../../../src/target/ports.js';
import { killAll, pollUntil, startAgent } from '../../helpers/processes.js';

/**
 * The durability observer against the real agent and its write-ahead log: kill -9 the agent
 * while keys are being written, start it again on the same log, read every acknowledged key
 * back. The healthy agent loses nothing; with the wal-no-fsync bug acknowledged writes are lost.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-durability-'));
});
afterEach(killAll);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function killWhileWriting(bug: string): Promise<{ acknowledged: number; lost: number; mismatched: number }> {
  const port = await freePort();
  const wal = path.join(dir, `${bug || 'healthy'}-${port}.wal`);
  const env = { AGENT_PORT: String(port), AGENT_WAL: wal, AGENT_BUG: bug, AGENT_LOG_LEVEL: 'warn' };
  const agent = await startAgent(env);
  const writer = startDurabilityWriter({ url: `${agent.url}/v1/state/`, ratePerSecond: 100, clock: startClock() });
  // Wait until writes are being acknowledged, then kill mid-stream.
  await pollUntil(async () => {
    const response = await fetch(`${agent.url}/metrics`);
    const text = await response.text();
    return /http_requests_total\{[^}]*route="\/v1\/state\/:id"[^}]*status_code="20[01]"[^}]*\} ([3-9]\d|\d{3,})/.test(text) ? true : undefined;
  }, 'at least 30 acknowledged writes', 15_000);
  agent.process.kill('SIGKILL');
  await agent.exited;
  await writer.stopWriting();
  await startAgent(env);
  const record = await writer.verify();
  expect(record.attempted).toBeGreaterThan(record.acknowledged);
  return { acknowledged: record.acknowledged, lost: record.lost.length, mismatched: record.mismatched.length };
}

describe('durability observer', () => {
  it('a healthy agent keeps every acknowledged write across kill -9', async () => {
    const result = await killWhileWriting('');
    expect(result.acknowledged).toBeGreaterThanOrEqual(30);
    expect(result).toMatchObject({ lost: 0, mismatched: 0 });
  });

  it('with the wal-no-fsync bug, acknowledged writes are lost', async () => {
    const result = await killWhileWriting('wal-no-fsync');
    expect(result.acknowledged).toBeGreaterThanOrEqual(30);
    expect(result.lost).toBeGreaterThan(0);
  });
});
