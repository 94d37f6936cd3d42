import type { Bucket } from '../../shared/query/types.js';
import { decimalDigits } from './columns.js';

/** Scaled-integer sums stay exact only below 2^53. */
const EXACT = 2 ** 53;

/**
 * Summarises sorted samples [from, to) into buckets of `resolution` ms
 * aligned to the epoch, oldest first. `increase` is reset-aware for counters
 * (a drop means the counter restarted from zero, so the new value counts
 * whole) and 0 for gauges; the increase between buckets is the query
 * engine's job (shared/query/engine.ts credits it from `first` and `last`).
 *
 * When the samples are short decimals (nvidia-smi's `39.32`), sum and
 * increase are added as scaled integers: the result is the exact decimal,
 * and it compresses like the inputs.
 */
export function computeBuckets(
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
  resolution: number,
  isCounter: boolean,
): Bucket[] {
  const digits = decimalDigits(values, from, to);
  const scale = digits >= 0 ? 10 ** digits : 0;
  const out: Bucket[] = [];
  let i = from;
  while (i < to) {
    const start = Math.floor(ts[i]! / resolution) * resolution;
    const limit = start + resolution;
    let j = i + 1;
    while (j < to && ts[j]! < limit) j++;
    out.push(summarise(values, i, j, start, isCounter, scale));
    i = j;
  }
  return out;
}

function summarise(values: ArrayLike<number>, from: number, to: number, start: number, isCounter: boolean, scale: number): Bucket {
  let min = Infinity;
  let max = -Infinity;
  for (let k = from; k < to; k++) {
    const v = values[k]!;
    // Comparisons skip NaN, where Math.min/max would let one NaN poison the bucket.
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) min = max = NaN;
  const bucket = { ts: start, min, max, sum: 0, count: to - from, first: values[from]!, last: values[to - 1]!, increase: 0 };
  if (scale > 0) {
    let sum = 0;
    let increase = 0;
    let prev = Math.round(values[from]! * scale);
    sum += prev;
    for (let k = from + 1; k < to; k++) {
      const cur = Math.round(values[k]! * scale);
      sum += cur;
      if (isCounter) increase += cur >= prev ? cur - prev : cur;
      prev = cur;
    }
    if (Math.abs(sum) < EXACT && Math.abs(increase) < EXACT) {
      bucket.sum = sum / scale;
      bucket.increase = increase / scale;
      return bucket;
    }
  }
  for (let k = from; k < to; k++) bucket.sum += values[k]!;
  if (isCounter) {
    for (let k = from + 1; k < to; k++) {
      const a = values[k - 1]!;
      const b = values[k]!;
      bucket.increase += b >= a ? b - a : b;
    }
  }
  return bucket;
}
