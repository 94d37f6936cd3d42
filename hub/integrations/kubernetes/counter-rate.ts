import { counterDelta } from '../../../shared/query/bucket.js';
import type { Bucket } from '../../../shared/query/types.js';

/** Two readings further apart than this are a gap (agent down, pod gone and back): its increase is no measurement of any step. */
export const COUNTER_GAP_MS = 10 * 60_000;

/** What a counter grew by from bucket `prev` to the end of `b` (reset-aware), and over how long. */
function pair(prev: Bucket, b: Bucket): { increase: number; ms: number } {
  return { increase: counterDelta(prev.last, b.first) + b.increase, ms: b.ts - prev.ts };
}

/**
 * A counter's average rate per second in each step of [start, end): each
 * consecutive pair of buckets gives increase / elapsed time and is credited
 * to the step of its later bucket; a step's rate is its increases over its
 * elapsed time (so a step only partly measured is not diluted, unlike
 * increase / step). On raw samples this is exact; on rollup buckets the
 * elapsed time is taken between bucket starts, which equals the samples'
 * span for an agent sampling at a steady interval. Steps without a pair
 * are absent. (CPU seconds per second: cores.)
 */
export function counterRates(buckets: Iterable<Bucket>, start: number, end: number, step: number): Map<number, number> {
  const acc = new Map<number, { increase: number; ms: number }>();
  let prev: Bucket | null = null;
  for (const b of buckets) {
    if (b.ts >= end) break;
    if (prev && b.ts >= start && b.ts > prev.ts && b.ts - prev.ts <= COUNTER_GAP_MS) {
      const key = start + Math.floor((b.ts - start) / step) * step;
      const p = pair(prev, b);
      const a = acc.get(key);
      if (a) {
        a.increase += p.increase;
        a.ms += p.ms;
      } else acc.set(key, p);
    }
    prev = b;
  }
  return new Map([...acc].map(([ts, a]) => [ts, a.increase / (a.ms / 1000)]));
}

/** The rate per second between the last two buckets (raw samples: the last two readings); null with fewer than two or across a gap. */
export function lastRate(buckets: Iterable<Bucket>): number | null {
  let prev: Bucket | null = null;
  let last: Bucket | null = null;
  for (const b of buckets) {
    prev = last;
    last = b;
  }
  if (!prev || !last || last.ts <= prev.ts || last.ts - prev.ts > COUNTER_GAP_MS) return null;
  const p = pair(prev, last);
  return p.increase / (p.ms / 1000);
}
