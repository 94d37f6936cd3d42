import { describe, expect, it } from 'vitest';
import { rawBucket, summarize } from '../../../shared/query/bucket.js';
import { runQuery, toSteps } from '../../../shared/query/engine.js';
import { matches } from '../../../shared/query/matchers.js';
import { AGGREGATIONS, type Bucket, type RangeQuery, type SeriesRef, type SeriesSource } from '../../../shared/query/types.js';

type Points = [number, number][];

/** An in-memory SeriesSource over raw points, as a store without rollups answers. */
function rawSource(series: { labels: Record<string, string>; points: Points }[], metric = 'm'): SeriesSource {
  const refs: SeriesRef[] = series.map((s, id) => ({ id, metric, labels: s.labels }));
  return {
    findSeries: (m, ms) => (m === metric ? refs.filter((r) => ms.every((x) => matches(r.labels, x))) : []),
    readBuckets: (id, start, end) => series[id]!.points.filter(([t]) => t >= start && t < end).map(([t, v]) => rawBucket(t, v)),
  };
}

/** The same points pre-aggregated into 1-minute rollup buckets, as the hub's tsdb and the agent's chunks answer. */
function rollupSource(series: { labels: Record<string, string>; points: Points }[], metric = 'm'): SeriesSource {
  const refs: SeriesRef[] = series.map((s, id) => ({ id, metric, labels: s.labels }));
  return {
    findSeries: (m, ms) => (m === metric ? refs.filter((r) => ms.every((x) => matches(r.labels, x))) : []),
    readBuckets: (id, start, end) => {
      const minutes = new Map<number, number[]>();
      for (const [t, v] of series[id]!.points) {
        if (t < start || t >= end) continue;
        const m = Math.floor(t / 60_000) * 60_000;
        minutes.set(m, [...(minutes.get(m) ?? []), v]);
      }
      return [...minutes].map(([m, vs]) => summarize(m, vs)!);
    },
  };
}

const q = (over: Partial<RangeQuery>): RangeQuery => ({ metric: 'm', matchers: [], start: 0, end: 120_000, step: 60_000, agg: 'avg', ...over });

describe('query engine: one series', () => {
  const power = rawSource([
    { labels: { gpu: '0' }, points: [[0, 100], [30_000, 200], [60_000, 300], [90_000, 500]] },
    { labels: { gpu: '1' }, points: [[0, 10], [60_000, 20]] },
  ]);

  it.each([
    ['avg', [[0, 150], [60_000, 400]]],
    ['min', [[0, 100], [60_000, 300]]],
    ['max', [[0, 200], [60_000, 500]]],
    ['sum', [[0, 300], [60_000, 800]]],
    ['count', [[0, 2], [60_000, 2]]],
    ['last', [[0, 200], [60_000, 500]]],
    // As a counter: 100 -> 200 (+100) | 200 -> 300 (+100, boundary, credited to the later step) -> 500 (+200).
    ['increase', [[0, 100], [60_000, 300]]],
    ['rate', [[0, 100 / 60], [60_000, 300 / 60]]],
  ] as const)('%s per 1 m step', (agg, points) => {
    const [gpu0] = runQuery(power, q({ matchers: [{ label: 'gpu', op: '=', value: '0' }], agg }));
    expect(gpu0).toEqual({ metric: 'm', labels: { gpu: '0' }, points });
  });

  it('returns every matching series, sorted by labels with numbers in numeric order', () => {
    const many = rawSource([10, 2, 1].map((g) => ({ labels: { gpu: String(g) }, points: [[0, g]] as Points })));
    expect(runQuery(many, q({ agg: 'last' })).map((s) => s.labels.gpu)).toEqual(['1', '2', '10']);
  });

  it('leaves out steps without samples, and returns nothing for empty ranges and unknown metrics', () => {
    const sparse = rawSource([{ labels: {}, points: [[0, 1], [180_000, 2]] }]);
    expect(runQuery(sparse, q({ end: 240_000, agg: 'max' }))[0]!.points).toEqual([[0, 1], [180_000, 2]]);
    expect(runQuery(power, q({ start: 500_000, end: 600_000 }))).toEqual([]);
    expect(runQuery(power, q({ metric: 'other' }))).toEqual([]);
  });
});

describe('query engine: counters', () => {
  // 0 -> 10 -> 25 | reset | 5 -> 15: the total increase is 25 + 15 = 40.
  const counter = rawSource([{ labels: {}, points: [[0, 0], [10_000, 10], [20_000, 25], [30_000, 5], [40_000, 15]] }]);

  it('counts the new value after a reset from zero, and step increases add up to the whole range', () => {
    const perStep = runQuery(counter, q({ end: 60_000, step: 20_000, agg: 'increase' }))[0]!.points;
    // [0,20s): 0->10 = 10; [20s,40s): 10->25 (boundary) + reset to 5 = 20; [40s,60s): 5->15 = 10.
    expect(perStep).toEqual([[0, 10], [20_000, 20], [40_000, 10]]);
    expect(runQuery(counter, q({ end: 60_000, step: 60_000, agg: 'increase' }))[0]!.points).toEqual([[0, 40]]);
  });

  it('gives rate as increase per second of step', () => {
    expect(runQuery(counter, q({ end: 60_000, step: 60_000, agg: 'rate' }))[0]!.points).toEqual([[0, 40 / 60]]);
    expect(runQuery(counter, q({ end: 60_000, step: 20_000, agg: 'rate' }))[0]!.points).toEqual([[0, 0.5], [20_000, 1], [40_000, 0.5]]);
  });
});

describe('query engine: groupBy', () => {
  const power = rawSource([
    { labels: { gpu: '0', node: 'a' }, points: [[0, 100], [30_000, 200], [60_000, 300], [90_000, 500]] },
    { labels: { gpu: '1', node: 'a' }, points: [[0, 10], [60_000, 20]] },
    { labels: { gpu: '0', node: 'b' }, points: [[0, 7]] },
  ]);

  it.each([
    // Samples pool: step 0 holds 100, 200, 10 (not the mean of the series' means, 80).
    ['avg', [[0, 310 / 3], [60_000, 820 / 3]]],
    ['min', [[0, 10], [60_000, 20]]],
    ['max', [[0, 200], [60_000, 500]]],
    ['sum', [[0, 310], [60_000, 820]]],
    ['count', [[0, 3], [60_000, 3]]],
    // The group's latest power: 200 + 10, then 500 + 20.
    ['last', [[0, 210], [60_000, 520]]],
    // gpu0: 100 then 300; gpu1: 0 then 10 (10 -> 20 at the boundary).
    ['increase', [[0, 100], [60_000, 310]]],
    ['rate', [[0, 100 / 60], [60_000, 310 / 60]]],
  ] as const)('%s across the series of a group', (agg, points) => {
    const r = runQuery(power, q({ matchers: [{ label: 'node', op: '=', value: 'a' }], agg, groupBy: ['node'] }));
    expect(r).toHaveLength(1);
    expect(r[0]!.labels).toEqual({ node: 'a' });
    r[0]!.points.forEach(([ts, v], i) => {
      expect(ts).toBe(points[i]![0]);
      expect(v).toBeCloseTo(points[i]![1], 9);
    });
  });

  it('keeps one series per group, and [] merges everything', () => {
    expect(runQuery(power, q({ agg: 'max', groupBy: ['gpu'] }))).toEqual([
      { metric: 'm', labels: { gpu: '0' }, points: [[0, 200], [60_000, 500]] },
      { metric: 'm', labels: { gpu: '1' }, points: [[0, 10], [60_000, 20]] },
    ]);
    expect(runQuery(power, q({ agg: 'count', groupBy: [] }))).toEqual([{ metric: 'm', labels: {}, points: [[0, 4], [60_000, 3]] }]);
  });
});

describe('query engine: rollup buckets', () => {
  it('merges buckets into wider steps with the same rules', () => {
    const steps = toSteps(
      [
        { ts: 0, min: 1, max: 9, sum: 50, count: 10, first: 100, last: 120, increase: 20 },
        { ts: 60_000, min: 2, max: 8, sum: 40, count: 8, first: 125, last: 130, increase: 5 },
      ],
      0,
      120_000,
      120_000,
    );
    // increase: 20 + (125 - 120 at the boundary) + 5.
    expect([...steps]).toEqual([[0, { min: 1, max: 9, sum: 90, count: 18, last: 130, increase: 30 }]]);
  });

  it('places misaligned buckets in the step they start in, uses a bucket before start only as the previous value, and drops buckets at end', () => {
    const b = (ts: number, first: number, last: number): Bucket => ({ ts, min: first, max: last, sum: first + last, count: 2, first, last, increase: last - first });
    const steps = toSteps([b(-30_000, 0, 10), b(30_000, 12, 20), b(90_000, 20, 26), b(120_000, 30, 40)], 0, 120_000, 60_000);
    expect([...steps]).toEqual([
      // 10 -> 12 across start counts; the bucket at -30 s itself does not.
      [0, { min: 12, max: 20, sum: 32, count: 2, last: 20, increase: 2 + 8 }],
      [60_000, { min: 20, max: 26, sum: 46, count: 2, last: 26, increase: 6 }],
    ]);
  });

  it('answers every aggregation the same from 1-minute rollups as from raw samples', () => {
    // 1 Hz energy counter over 3 minutes, +2 J/s, reset to 0 at 100 s.
    const points: Points = Array.from({ length: 180 }, (_, i) => [i * 1000, i < 100 ? 1000 + 2 * i : 2 * (i - 100)]);
    const series = [{ labels: { gpu: '0' }, points }];
    for (const agg of AGGREGATIONS) {
      for (const step of [60_000, 120_000, 180_000]) {
        const raw = runQuery(rawSource(series), q({ end: 180_000, step, agg }));
        const rolled = runQuery(rollupSource(series), q({ end: 180_000, step, agg }));
        expect(rolled.map((s) => s.points.map(([t]) => t))).toEqual(raw.map((s) => s.points.map(([t]) => t)));
        rolled[0]!.points.forEach(([, v], i) => expect(v).toBeCloseTo(raw[0]!.points[i]![1], 9));
      }
    }
    // Hand count: 99 steps of +2 before the reset (198), the reset sample counts 0, then 79 steps of +2 (158).
    expect(runQuery(rollupSource(series), q({ end: 180_000, step: 180_000, agg: 'increase' }))[0]!.points).toEqual([[0, 356]]);
  });
});
