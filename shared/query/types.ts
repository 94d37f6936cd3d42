import type { Labels } from '../schema/message.js';

/** A label matcher as in PromQL: `gpu="0"`, `sensor=~"PSU.*"`. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'increase'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * Summary of the samples of one series inside one time bucket. A raw sample
 * is a bucket of count 1 (min = max = sum = first = last = value,
 * increase = 0), so stores with rollup tiers and stores with raw samples
 * answer through the same shape.
 */
export interface Bucket {
  /** Start of the bucket (ms); for a raw sample, its timestamp. */
  ts: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  first: number;
  last: number;
  /** Counter increase inside the bucket, counter resets already handled. */
  increase: number;
}

/**
 * Buckets as columns, oldest first: bucket i is { ts: ts[i], min: min[i],
 * ... }. What a store that keeps decoded blocks hands out without building
 * an object per bucket; arrays may be shared with the store's cache, so
 * they are read only.
 */
export interface BucketColumns {
  readonly length: number;
  readonly ts: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly increase: Float64Array;
}

export interface SeriesRef {
  id: number;
  metric: string;
  /** Includes `node` and `cluster` on the hub; the agent's own store adds them on output. */
  labels: Labels;
}

/** What a store must offer for the shared query engine to run on it. */
export interface SeriesSource {
  /** Series of a metric whose labels satisfy every matcher. */
  findSeries(metric: string, matchers: readonly Matcher[]): SeriesRef[];
  /**
   * Buckets of one series with `ts` in [start, end), oldest first. `step` is a
   * hint: a store with rollup tiers returns the coarsest tier whose
   * resolution divides the step (raw when step is smaller than every tier).
   */
  readBuckets(seriesId: number, start: number, end: number, step: number): Iterable<Bucket>;
  /**
   * The same buckets as columns, where a store has them so (decoded blocks):
   * the engine then steps them without an object per bucket. Read only, and
   * valid only until the source's next read (a store may reuse the arrays).
   * Optional; the engine reads buckets from stores without it.
   */
  readColumns?(seriesId: number, start: number, end: number, step: number): BucketColumns;
}

export interface RangeQuery {
  metric: string;
  matchers: Matcher[];
  /** Inclusive start, exclusive end, ms. */
  start: number;
  end: number;
  /** Output resolution, ms. */
  step: number;
  agg: Aggregation;
  /**
   * When set, series are merged per step by these labels (`[]`: all into
   * one): samples pool for avg/min/max/sum/count, and rate, increase and
   * last add up across series (see engine.ts).
   */
  groupBy?: string[];
  /**
   * When set (instead of groupBy), each series' value of a step under `agg`
   * is summed per step with the other series of its group, grouped by these
   * labels: PromQL's `sum by (node) (avg_over_time(m[1m]))`, the power of a
   * node's GPUs where groupBy's pooled avg would give their mean.
   */
  sumBy?: string[];
  /**
   * `end`: each point is stamped with the end of its step, start + step
   * for [start, start + step), as PromQL stamps its range queries
   * (range.ts ALIGNMENTS); otherwise with its start.
   */
  align?: 'end';
}

export interface ResultSeries {
  metric: string;
  labels: Labels;
  /** [step start ms (step end with align `end`), value]; steps without samples are absent. */
  points: [number, number][];
}
