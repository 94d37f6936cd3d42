import type { Labels } from '../schema/message.js';
import { counterDelta } from './bucket.js';
import type { Aggregation, Bucket, RangeQuery, ResultSeries, SeriesSource } from './types.js';

/** The buckets of one output step merged; enough to answer every aggregation. */
export interface StepAcc {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  increase: number;
}

/**
 * Merges a series' buckets into the steps of [start, end). Counter increase
 * is reset-aware: Σ bucket.increase plus the delta between consecutive
 * buckets (counterDelta). A boundary delta is credited to the later step, so
 * the steps' increases add up to the increase over the whole range (what
 * energy totals need). A bucket before `start` only serves as the previous
 * value of the first boundary; buckets at or after `end` are ignored.
 */
export function toSteps(buckets: Iterable<Bucket>, start: number, end: number, step: number): Map<number, StepAcc> {
  const steps = new Map<number, StepAcc>();
  let prevLast: number | null = null;
  for (const b of buckets) {
    if (b.ts >= end) break;
    const boundary = prevLast === null ? 0 : counterDelta(prevLast, b.first);
    prevLast = b.last;
    if (b.ts < start) continue;
    const key = start + Math.floor((b.ts - start) / step) * step;
    const acc = steps.get(key);
    if (!acc) {
      steps.set(key, { min: b.min, max: b.max, sum: b.sum, count: b.count, last: b.last, increase: b.increase + boundary });
      continue;
    }
    acc.min = Math.min(acc.min, b.min);
    acc.max = Math.max(acc.max, b.max);
    acc.sum += b.sum;
    acc.count += b.count;
    acc.last = b.last;
    acc.increase += b.increase + boundary;
  }
  return steps;
}

/**
 * Merges the same step of two series of a group. Samples pool (so avg is
 * Σsum / Σcount), increases add (so rate and increase are sums), and `last`
 * adds too: the latest power of a group of GPUs is the group's power.
 */
function mergeAcross(a: StepAcc, b: StepAcc): StepAcc {
  return {
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sum: a.sum + b.sum,
    count: a.count + b.count,
    last: a.last + b.last,
    increase: a.increase + b.increase,
  };
}

/** The value of one step under an aggregation; rate is per second. */
export function aggregate(acc: StepAcc, agg: Aggregation, step: number): number {
  switch (agg) {
    case 'avg':
      return acc.sum / acc.count;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'sum':
      return acc.sum;
    case 'count':
      return acc.count;
    case 'last':
      return acc.last;
    case 'increase':
      return acc.increase;
    case 'rate':
      return acc.increase / (step / 1000);
  }
}

/** gpu="2" sorts before gpu="10". */
const collator = new Intl.Collator('en', { numeric: true });

function canonical(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

function toResult(metric: string, labels: Labels, steps: Map<number, StepAcc>, q: RangeQuery): ResultSeries {
  const points = [...steps.entries()].sort((a, b) => a[0] - b[0]).map(([ts, acc]): [number, number] => [ts, aggregate(acc, q.agg, q.step)]);
  return { metric, labels, points };
}

/**
 * Runs a range query over any store that implements SeriesSource (the
 * agent's history, the hub's tsdb). Series come out sorted by labels; series
 * and steps without samples are left out.
 */
export function runQuery(source: SeriesSource, q: RangeQuery): ResultSeries[] {
  const perSeries = source
    .findSeries(q.metric, q.matchers)
    .map((ref) => ({ labels: ref.labels, steps: toSteps(source.readBuckets(ref.id, q.start, q.end, q.step), q.start, q.end, q.step) }))
    .filter((s) => s.steps.size > 0);

  let out: { labels: Labels; steps: Map<number, StepAcc> }[] = perSeries;
  if (q.groupBy) {
    const groups = new Map<string, { labels: Labels; steps: Map<number, StepAcc> }>();
    for (const s of perSeries) {
      const labels: Labels = Object.fromEntries(q.groupBy.map((k) => [k, s.labels[k] ?? '']));
      const key = canonical(labels);
      const g = groups.get(key);
      if (!g) {
        groups.set(key, { labels, steps: new Map(s.steps) });
        continue;
      }
      for (const [ts, acc] of s.steps) {
        const had = g.steps.get(ts);
        g.steps.set(ts, had ? mergeAcross(had, acc) : acc);
      }
    }
    out = [...groups.values()];
  }
  return out
    .map((s) => ({ key: canonical(s.labels), result: toResult(q.metric, s.labels, s.steps, q) }))
    .sort((a, b) => collator.compare(a.key, b.key))
    .map((s) => s.result);
}
