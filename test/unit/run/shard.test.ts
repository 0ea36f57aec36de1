import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, shardScenarios } from '../../../src/run/shard.js';

const sc = (name: string, seconds: number) => ({ name, durationMs: seconds * 1000 });

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, total: 1 }],
    ['2/4', { index: 2, total: 4 }],
    [' 3/3 ', { index: 3, total: 3 }],
  ])('%s', (text, expected) => expect(parseShard(text)).toEqual(expected));
  it.each(['0/2', '3/2', '1/0', '2', 'a/b', '1/2/3', '-1/2', '1.5/2', '1/1001'])('rejects %s as bad input', (text) => {
    expect(() => parseShard(text)).toThrow(expect.objectContaining({ code: 'FAULTLINE_USAGE', hint: expect.stringMatching(/INDEX\/TOTAL/) }) as Error);
  });
});

describe('shardScenarios', () => {
  // The bundled suite's shape: 60, 50, 100, 70, 60 s timelines.
  const suite = [sc('cpu-saturation', 60), sc('graceful-restart', 50), sc('heap-growth', 100), sc('network-latency', 70), sc('process-kill', 60)];
  it('deals longest first to the least-loaded shard (hand-computed for 2 shards)', () => {
    // heap 100 → s1; network 70 → s2; cpu 60 → s2 (130); process-kill 60 → s1 (160); graceful 50 → s2 (180)
    expect(shardScenarios(suite, { index: 1, total: 2 }).map((s) => s.name)).toEqual(['heap-growth', 'process-kill']);
    expect(shardScenarios(suite, { index: 2, total: 2 }).map((s) => s.name)).toEqual(['cpu-saturation', 'graceful-restart', 'network-latency']);
  });
  it('gives an empty share to surplus shards', () => {
    expect(shardScenarios([sc('a', 1)], { index: 2, total: 3 })).toEqual([]);
  });
  it('is a partition, independent of input order (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), durationMs: fc.integer({ min: 1, max: 600_000 }) }), { selector: (s) => s.name, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (scenarios, total) => {
        const shares = Array.from({ length: total }, (_, i) => shardScenarios(scenarios, { index: i + 1, total }).map((s) => s.name));
        expect(shares.flat().sort()).toEqual(scenarios.map((s) => s.name).sort());
        const reversed = Array.from({ length: total }, (_, i) => shardScenarios([...scenarios].reverse(), { index: i + 1, total }).map((s) => s.name).sort());
        expect(reversed).toEqual(shares.map((s) => [...s].sort()));
      }),
      { seed: 20261125, numRuns: 300 },
    );
  });
});
