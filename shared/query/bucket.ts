import type { Bucket, BucketColumns } from './types.js';

/**
 * What a counter grew by from `prev` to `next`. A drop means the counter was
 * reset (driver reload, agent restart, RAPL rezero), so `next` counts from
 * zero, as PromQL's increase() does.
 */
export function counterDelta(prev: number, next: number): number {
  return next >= prev ? next - prev : next;
}

/** Buckets held as columns (SeriesSource.readColumns) as objects, one per bucket. */
export function bucketsOfColumns(c: BucketColumns): Bucket[] {
  const out = new Array<Bucket>(c.length);
  for (let i = 0; i < c.length; i++) {
    out[i] = { ts: c.ts[i]!, min: c.min[i]!, max: c.max[i]!, sum: c.sum[i]!, count: c.count[i]!, first: c.first[i]!, last: c.last[i]!, increase: c.increase[i]! };
  }
  return out;
}

/** A raw sample as a bucket of count 1. */
export function rawBucket(ts: number, value: number): Bucket {
  return { ts, min: value, max: value, sum: value, count: 1, first: value, last: value, increase: 0 };
}

/**
 * Summarises time-ordered values into one rollup bucket starting at `ts`;
 * the increase inside it is reset-aware. Null for no values (no bucket).
 */
export function summarize(ts: number, values: readonly number[]): Bucket | null {
  const first = values[0];
  if (first === undefined) return null;
  const b = rawBucket(ts, first);
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (v < b.min) b.min = v;
    if (v > b.max) b.max = v;
    b.sum += v;
    b.increase += counterDelta(b.last, v);
    b.last = v;
  }
  b.count = values.length;
  return b;
}
