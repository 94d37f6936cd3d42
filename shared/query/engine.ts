import type { Labels } from '../schema/message.js';
import type { Aggregation, Bucket, RangeQuery, ResultSeries, SeriesSource } from './types.js';

/** Buckets of one series merged into one output step. */
interface StepAcc {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  increase: number;
}

/**
 * Merges a series' buckets into steps. Counter increase is reset-aware: the
 * delta between consecutive buckets counts when the counter grew, and a drop
 * means a reset, after which the new value counts from zero. A boundary delta
 * is credited to the later step, so the increases of all steps add up to the
 * increase over the whole range (what energy totals need).
 */
export function toSteps(buckets: Iterable<Bucket>, start: number, step: number): Map<number, StepAcc> {
  const steps = new Map<number, StepAcc>();
  let prevLast: number | null = null;
  for (const b of buckets) {
    const key = start + Math.floor((b.ts - start) / step) * step;
    const boundary = prevLast === null ? 0 : b.first >= prevLast ? b.first - prevLast : b.first;
    prevLast = b.last;
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

function valueOf(acc: StepAcc, agg: Aggregation, step: number): number {
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

/**
 * How series combine when grouped: extensive quantities add up (sum, count,
 * increase, rate, and `last`, so "latest power" of a group is the group's
 * power), min/max stay min/max and avg averages the series.
 */
function combine(agg: Aggregation, values: number[]): number {
  if (agg === 'min') return Math.min(...values);
  if (agg === 'max') return Math.max(...values);
  const total = values.reduce((a, b) => a + b, 0);
  return agg === 'avg' ? total / values.length : total;
}

function groupKey(labels: Labels, by: readonly string[]): Labels {
  return Object.fromEntries(by.map((k) => [k, labels[k] ?? '']));
}

/** Runs a range query over any store that implements SeriesSource (the agent's history, the hub's tsdb). */
export function runQuery(source: SeriesSource, q: RangeQuery): ResultSeries[] {
  const series = source.findSeries(q.metric, q.matchers).map((ref) => {
    const steps = toSteps(source.readBuckets(ref.id, q.start, q.end, q.step), q.start, q.step);
    const points: [number, number][] = [...steps.entries()].sort((a, b) => a[0] - b[0]).map(([ts, acc]) => [ts, valueOf(acc, q.agg, q.step)]);
    return { metric: q.metric, labels: ref.labels, points };
  });
  if (!q.groupBy) return series.filter((s) => s.points.length > 0);

  const groups = new Map<string, { labels: Labels; perStep: Map<number, number[]> }>();
  for (const s of series) {
    const labels = groupKey(s.labels, q.groupBy);
    const key = JSON.stringify(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, perStep: new Map() }));
    for (const [ts, v] of s.points) {
      const list = g.perStep.get(ts);
      if (list) list.push(v);
      else g.perStep.set(ts, [v]);
    }
  }
  return [...groups.values()]
    .map((g) => ({
      metric: q.metric,
      labels: g.labels,
      points: [...g.perStep.entries()].sort((a, b) => a[0] - b[0]).map(([ts, vs]) => [ts, combine(q.agg, vs)] as [number, number]),
    }))
    .filter((s) => s.points.length > 0);
}
