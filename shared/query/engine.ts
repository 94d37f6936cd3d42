import type { Labels } from '../schema/message.js';
import { bucketsOfColumns, counterDelta } from './bucket.js';
import type { Aggregation, Bucket, BucketColumns, RangeQuery, ResultSeries, SeriesSource } from './types.js';

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
    addBucket(acc, b, boundary);
  }
  return steps;
}

/** Adds a bucket to the step it falls in (`boundary`: the counter increase since the previous bucket). */
function addBucket(acc: StepAcc, b: Bucket, boundary: number): void {
  acc.min = Math.min(acc.min, b.min);
  acc.max = Math.max(acc.max, b.max);
  acc.sum += b.sum;
  acc.count += b.count;
  acc.last = b.last;
  acc.increase += b.increase + boundary;
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

/** Receives each step of one series, in time order; `acc` is reused for the next step, so copy what you keep. */
type StepSink = (ts: number, acc: StepAcc) => void;

function isSorted(buckets: readonly Bucket[]): boolean {
  for (let i = 1; i < buckets.length; i++) if (buckets[i]!.ts < buckets[i - 1]!.ts) return false;
  return true;
}

/**
 * toSteps without the map: buckets come oldest first (SeriesSource's
 * contract), so a step is complete as soon as a bucket of a later step
 * arrives, and each is handed to `sink` in time order from one reused
 * accumulator. The same loop and the same arithmetic in the same order as
 * toSteps, so the same numbers; a source that breaks the order gets toSteps.
 */
export function forEachStep(buckets: Iterable<Bucket>, start: number, end: number, step: number, sink: StepSink): void {
  const list = Array.isArray(buckets) ? (buckets as Bucket[]) : [...buckets];
  if (!isSorted(list)) {
    for (const [ts, acc] of [...toSteps(list, start, end, step)].sort((a, b) => a[0] - b[0])) sink(ts, acc);
    return;
  }
  const acc: StepAcc = { min: 0, max: 0, sum: 0, count: 0, last: 0, increase: 0 };
  let key = NaN;
  let prevLast: number | null = null;
  for (const b of list) {
    if (b.ts >= end) break;
    const boundary = prevLast === null ? 0 : counterDelta(prevLast, b.first);
    prevLast = b.last;
    if (b.ts < start) continue;
    const k = start + Math.floor((b.ts - start) / step) * step;
    if (k !== key) {
      if (key === key) sink(key, acc);
      key = k;
      acc.min = b.min;
      acc.max = b.max;
      acc.sum = b.sum;
      acc.count = b.count;
      acc.last = b.last;
      acc.increase = b.increase + boundary;
      continue;
    }
    addBucket(acc, b, boundary);
  }
  if (key === key) sink(key, acc);
}

/**
 * forEachStep over buckets held as columns (SeriesSource.readColumns):
 * the same loop and the same arithmetic in the same order, reading each
 * field from its column instead of an object, so the same numbers;
 * columns out of order go through forEachStep's map.
 */
export function forEachStepOfColumns(c: BucketColumns, start: number, end: number, step: number, sink: StepSink): void {
  const { ts, min, max, sum, count, first, last, increase } = c;
  const n = c.length;
  for (let i = 1; i < n; i++) {
    if (ts[i]! < ts[i - 1]!) {
      forEachStep(bucketsOfColumns(c), start, end, step, sink);
      return;
    }
  }
  const acc: StepAcc = { min: 0, max: 0, sum: 0, count: 0, last: 0, increase: 0 };
  let key = NaN;
  let prevLast: number | null = null;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (t >= end) break;
    const boundary = prevLast === null ? 0 : counterDelta(prevLast, first[i]!);
    prevLast = last[i]!;
    if (t < start) continue;
    const k = start + Math.floor((t - start) / step) * step;
    if (k !== key) {
      if (key === key) sink(key, acc);
      key = k;
      acc.min = min[i]!;
      acc.max = max[i]!;
      acc.sum = sum[i]!;
      acc.count = count[i]!;
      acc.last = last[i]!;
      acc.increase = increase[i]! + boundary;
      continue;
    }
    acc.min = Math.min(acc.min, min[i]!);
    acc.max = Math.max(acc.max, max[i]!);
    acc.sum += sum[i]!;
    acc.count += count[i]!;
    acc.last = last[i]!;
    acc.increase += increase[i]! + boundary;
  }
  if (key === key) sink(key, acc);
}

/** Steps one series of the source: from its columns where the source offers them, else from its buckets. */
function stepSeries(source: SeriesSource, id: number, q: RangeQuery, sink: StepSink): void {
  if (source.readColumns) forEachStepOfColumns(source.readColumns(id, q.start, q.end, q.step), q.start, q.end, q.step, sink);
  else forEachStep(source.readBuckets(id, q.start, q.end, q.step), q.start, q.end, q.step, sink);
}

/**
 * The steps of one group as columns indexed by step number, filled series
 * after series in findSeries' order: only the groups are kept, never a
 * result per series.
 */
class GroupSteps {
  readonly has: Uint8Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly last: Float64Array;
  readonly increase: Float64Array;

  /** `pooled`: every column (pool); else only `sum` (add), as a query may have thousands of groups. */
  constructor(
    readonly labels: Labels,
    steps: number,
    pooled: boolean,
  ) {
    const column = () => new Float64Array(pooled ? steps : 0);
    this.has = new Uint8Array(steps);
    this.sum = new Float64Array(steps);
    this.min = column();
    this.max = column();
    this.count = column();
    this.last = column();
    this.increase = column();
  }

  /**
   * Merges a series' step into step `i` of the group. Samples pool (so avg
   * is Σsum / Σcount), increases add (so rate and increase are sums), and
   * `last` adds too: the latest power of a group of GPUs is the group's power.
   */
  pool(i: number, acc: StepAcc): void {
    if (!this.has[i]) {
      this.has[i] = 1;
      this.min[i] = acc.min;
      this.max[i] = acc.max;
      this.sum[i] = acc.sum;
      this.count[i] = acc.count;
      this.last[i] = acc.last;
      this.increase[i] = acc.increase;
      return;
    }
    this.min[i] = Math.min(this.min[i]!, acc.min);
    this.max[i] = Math.max(this.max[i]!, acc.max);
    this.sum[i] = this.sum[i]! + acc.sum;
    this.count[i] = this.count[i]! + acc.count;
    this.last[i] = this.last[i]! + acc.last;
    this.increase[i] = this.increase[i]! + acc.increase;
  }

  /** Adds one series' value of step `i` (sumBy); kept in `sum`. */
  add(i: number, value: number): void {
    if (!this.has[i]) {
      this.has[i] = 1;
      this.sum[i] = value;
    } else this.sum[i] = this.sum[i]! + value;
  }

  /** The steps with data, stamped from `first` (the first step's start, or end with align end). */
  points(first: number, step: number, value: (i: number) => number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.has.length; i++) if (this.has[i]) out.push([first + i * step, value(i)]);
    return out;
  }
}

/** Orders results by their labels' canonical text, numbers in numeric order. */
function sortedByLabels(results: ResultSeries[]): ResultSeries[] {
  return results
    .map((result) => ({ key: canonical(result.labels), result }))
    .sort((a, b) => collator.compare(a.key, b.key))
    .map((s) => s.result);
}

/** What is added to a step's start to stamp its point: the step with PromQL's alignment. */
function stampShift(q: RangeQuery): number {
  return q.align === 'end' ? q.step : 0;
}

function grouped(source: SeriesSource, q: RangeQuery, by: string[], mode: 'pool' | 'sum'): ResultSeries[] {
  const steps = Math.ceil((q.end - q.start) / q.step);
  const groups = new Map<string, GroupSteps>();
  let into: GroupSteps;
  const pool: StepSink = (ts, acc) => into.pool((ts - q.start) / q.step, acc);
  const add: StepSink = (ts, acc) => into.add((ts - q.start) / q.step, aggregate(acc, q.agg, q.step));
  for (const ref of source.findSeries(q.metric, q.matchers)) {
    let key = '';
    for (const k of by) key += `${JSON.stringify(ref.labels[k] ?? '')},`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new GroupSteps(Object.fromEntries(by.map((k) => [k, ref.labels[k] ?? ''])), steps, mode === 'pool')));
    into = g;
    stepSeries(source, ref.id, q, mode === 'pool' ? pool : add);
  }
  const results: ResultSeries[] = [];
  const first = q.start + stampShift(q);
  for (const g of groups.values()) {
    const points =
      mode === 'sum'
        ? g.points(first, q.step, (i) => g.sum[i]!)
        : g.points(first, q.step, (i) => aggregate({ min: g.min[i]!, max: g.max[i]!, sum: g.sum[i]!, count: g.count[i]!, last: g.last[i]!, increase: g.increase[i]! }, q.agg, q.step));
    if (points.length > 0) results.push({ metric: q.metric, labels: g.labels, points });
  }
  return sortedByLabels(results);
}

/**
 * Runs a range query over any store that implements SeriesSource (the
 * agent's history, the hub's tsdb). Series come out sorted by labels; series
 * and steps without samples are left out. Each series is stepped in one
 * pass over its buckets (forEachStep: a rollup tier whose resolution is the
 * step gives one bucket a step); with groupBy or sumBy, steps go straight
 * into their group, so only the groups' results are ever built.
 */
export function runQuery(source: SeriesSource, q: RangeQuery): ResultSeries[] {
  if (q.groupBy && q.sumBy) throw new Error('groupBy and sumBy exclude each other');
  if (q.groupBy) return grouped(source, q, q.groupBy, 'pool');
  if (q.sumBy) return grouped(source, q, q.sumBy, 'sum');
  const results: ResultSeries[] = [];
  const shift = stampShift(q);
  for (const ref of source.findSeries(q.metric, q.matchers)) {
    const points: [number, number][] = [];
    stepSeries(source, ref.id, q, (ts, acc) => points.push([ts + shift, aggregate(acc, q.agg, q.step)]));
    if (points.length > 0) results.push({ metric: q.metric, labels: ref.labels, points });
  }
  return sortedByLabels(results);
}
