import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../harness/agent/random.js';
import { call } from '../../helpers/http.js';
import { killAll, startAgent, type Started } from '../../helpers/processes.js';

/**
 * Durability under kill -9: writers do CAS writes on their own ids while the agent is killed
 * with SIGKILL at a seeded random moment; after each restart every acknowledged write must be
 * there. A write that was in flight at the kill may or may not have landed (at most one per
 * writer, since each writer waits for its acknowledgement before the next write).
 */

interface Acked {
  version: number;
  hash: string;
}

const WRITERS = 4;

interface TrialTotals {
  trials: number;
  acknowledged: number;
  lost: number;
  inFlightLanded: number;
}

/**
 * Runs `trials` kill -9 cycles against one WAL file and returns what survived.
 * `acked` carries each id's last acknowledged write across trials.
 */
async function runTrials(walPath: string, trials: number, seed: number, env: Record<string, string>): Promise<TrialTotals> {
  const random = mulberry32(seed); // seeded: the kill moments are the same on every run
  const acked = new Map<string, Acked>();
  const totals: TrialTotals = { trials: 0, acknowledged: 0, lost: 0, inFlightLanded: 0 };
  let agent: Started = await startAgent({ AGENT_WAL: walPath, ...env });

  for (let trial = 0; trial < trials; trial++) {
    // Kill after a seeded number of acknowledged writes (0..39), while writers are mid-flight.
    const killAfter = Math.floor(random() * 40);
    let ackedThisTrial = 0;
    let killed = false;
    let killing: Promise<void> | undefined;
    const target = agent;

    const writer = async (w: number): Promise<void> => {
      const id = `w${w}`;
      for (let n = 0; n < 10_000 && !killed; n++) {
        const prev = acked.get(id);
        let res;
        try {
          res = await call(`${target.url}/v1/state/${id}`, {
            method: 'PUT',
            body: { writer: w, n, trial },
            headers: prev === undefined ? {} : { 'if-match': `"${prev.hash}"` },
            timeoutMs: 10_000,
          });
        } catch {
          return; // the connection died with the agent: this write was never acknowledged
        }
        if (res.status !== 200 && res.status !== 201) throw new Error(`write ${id} got ${res.status}: ${res.text}`);
        acked.set(id, { version: res.body.version as number, hash: res.body.hash as string });
        totals.acknowledged++;
        if (++ackedThisTrial >= killAfter && killing === undefined) {
          killed = true;
          killing = target.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    if (killing === undefined) killing = target.kill('SIGKILL');
    await killing;
    const exit = await target.exited;
    expect(exit.signal).toBe('SIGKILL');

    agent = await startAgent({ AGENT_WAL: walPath, ...env });
    for (const [id, want] of acked) {
      const res = await call(`${agent.url}/v1/state/${id}`);
      if (res.status === 404 || (res.body.version as number) < want.version) {
        totals.lost++;
        // Continue from what survived so later trials still exercise CAS.
        if (res.status === 404) acked.delete(id);
        else acked.set(id, { version: res.body.version as number, hash: res.body.hash as string });
        continue;
      }
      const got = res.body as Acked;
      if (got.version === want.version) {
        expect(got.hash, `${id} v${got.version}`).toBe(want.hash);
      } else {
        // At most the one write that was in flight at the kill.
        expect(got.version, `${id}: more than one unacknowledged write landed`).toBe(want.version + 1);
        totals.inFlightLanded++;
        acked.set(id, got);
      }
    }
    totals.trials++;
  }
  await agent.kill('SIGKILL');
  return totals;
}

describe('write-ahead log under kill -9', () => {
  const dirs: string[] = [];
  const tempWal = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-wal-'));
    dirs.push(dir);
    return join(dir, 'state.wal');
  };
  afterEach(killAll);
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('loses no acknowledged write in 100 kill -9 trials', { timeout: 600_000 }, async () => {
    const totals = await runTrials(await tempWal(), 100, 0x5eed, {});
    console.log(`[wal] fsync on: ${JSON.stringify(totals)}`);
    expect(totals.trials).toBe(100);
    expect(totals.acknowledged).toBeGreaterThan(1000);
    expect(totals.lost).toBe(0);
  });

  it('with the wal-no-fsync bug, acknowledged writes are lost', { timeout: 300_000 }, async () => {
    const totals = await runTrials(await tempWal(), 10, 0xbad, { AGENT_BUG: 'wal-no-fsync' });
    console.log(`[wal] wal-no-fsync: ${JSON.stringify(totals)}`);
    expect(totals.trials).toBe(10);
    expect(totals.lost).toBeGreaterThan(0);
  });
});
