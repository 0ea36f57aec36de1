import { FaultlineError } from '../errors.js';
import type { ResolvedScenario } from '../scenario/types.js';

/**
 * `--shard i/n`: a stable split of a suite's scenarios across n CI machines. Stable means the
 * same suite gives every machine the same share, whatever the order of discovery: scenarios are
 * dealt longest first (by planned timeline, ties by name) to the shard with the least planned
 * time so far (ties to the lowest index). Shards then finish at about the same time, which a
 * round-robin by name would not promise.
 */

export interface Shard {
  index: number;
  total: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (match === null || total < 1 || total > 1000 || index < 1 || index > total) {
    throw new FaultlineError('FAULTLINE_USAGE', `--shard ${text} is not a shard`, { hint: 'write INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL, e.g. --shard 2/4 for the second of four machines' });
  }
  return { index, total };
}

/** The scenarios of shard `index` (1-based) of `total`, in their original order. */
export function shardScenarios<T extends Pick<ResolvedScenario, 'name' | 'durationMs'>>(scenarios: readonly T[], shard: Shard): T[] {
  const order = [...scenarios].sort((a, b) => b.durationMs - a.durationMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const load = new Array<number>(shard.total).fill(0);
  const mine = new Set<T>();
  for (const scenario of order) {
    let target = 0;
    for (let i = 1; i < shard.total; i++) if ((load[i] ?? 0) < (load[target] ?? 0)) target = i;
    load[target] = (load[target] ?? 0) + scenario.durationMs;
    if (target === shard.index - 1) mine.add(scenario);
  }
  return scenarios.filter((s) => mine.has(s));
}
