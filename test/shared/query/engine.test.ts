import { describe, expect, it } from 'vitest';
import { runQuery, toSteps } from '../../../shared/query/engine.js';
import { matches, parseLabelFlag, parseSelector } from '../../../shared/query/matchers.js';
import { resolveRange } from '../../../shared/query/range.js';
import type { Bucket, SeriesRef, SeriesSource } from '../../../shared/query/types.js';

const raw = (ts: number, v: number): Bucket => ({ ts, min: v, max: v, sum: v, count: 1, first: v, last: v, increase: 0 });

/** An in-memory SeriesSource: raw points per series. */
function source(series: { labels: Record<string, string>; points: [number, number][] }[], metric = 'm'): SeriesSource {
  const refs: SeriesRef[] = series.map((s, id) => ({ id, metric, labels: s.labels }));
  return {
    findSeries: (m, ms) => (m === metric ? refs.filter((r) => ms.every((x) => matches(r.labels, x))) : []),
    readBuckets: (id, start, end) => series[id]!.points.filter(([t]) => t >= start && t < end).map(([t, v]) => raw(t, v)),
  };
}

describe('query engine', () => {
  const power = source([
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
  ] as const)('%s per 1 m step', (agg, points) => {
    const [gpu0] = runQuery(power, { metric: 'm', matchers: [{ label: 'gpu', op: '=', value: '0' }], start: 0, end: 120_000, step: 60_000, agg });
    expect(gpu0!.points).toEqual(points);
  });

  it('sums series per step when grouped, and averages for avg', () => {
    const sum = runQuery(power, { metric: 'm', matchers: [], start: 0, end: 120_000, step: 60_000, agg: 'last', groupBy: [] });
    expect(sum).toEqual([{ metric: 'm', labels: {}, points: [[0, 210], [60_000, 520]] }]);
    const avg = runQuery(power, { metric: 'm', matchers: [], start: 0, end: 120_000, step: 60_000, agg: 'avg', groupBy: [] });
    expect(avg[0]!.points).toEqual([[0, (150 + 10) / 2], [60_000, (400 + 20) / 2]]);
  });

  it('counts counter increase across resets, and step increases add up to the whole range', () => {
    // 0 -> 10 -> 25 | reset | 5 -> 15: total increase 25 + 15 = 40.
    const counter = source([{ labels: {}, points: [[0, 0], [10_000, 10], [20_000, 25], [30_000, 5], [40_000, 15]] }]);
    const perStep = runQuery(counter, { metric: 'm', matchers: [], start: 0, end: 60_000, step: 20_000, agg: 'increase' });
    expect(perStep[0]!.points).toEqual([[0, 10], [20_000, 20], [40_000, 10]]);
    const total = perStep[0]!.points.reduce((a, [, v]) => a + v, 0);
    expect(total).toBe(40);
    const rate = runQuery(counter, { metric: 'm', matchers: [], start: 0, end: 60_000, step: 60_000, agg: 'rate' });
    expect(rate[0]!.points).toEqual([[0, 40 / 60]]);
  });

  it('merges rollup buckets with the same rules', () => {
    const steps = toSteps(
      [
        { ts: 0, min: 1, max: 9, sum: 50, count: 10, first: 100, last: 120, increase: 20 },
        { ts: 60_000, min: 2, max: 8, sum: 40, count: 8, first: 125, last: 130, increase: 5 },
      ],
      0,
      120_000,
    );
    expect(steps.get(0)).toEqual({ min: 1, max: 9, sum: 90, count: 18, last: 130, increase: 30 });
  });

  it('returns nothing for empty ranges and unknown metrics', () => {
    expect(runQuery(power, { metric: 'm', matchers: [], start: 500_000, end: 600_000, step: 60_000, agg: 'avg' })).toEqual([]);
    expect(runQuery(power, { metric: 'other', matchers: [], start: 0, end: 600_000, step: 60_000, agg: 'avg' })).toEqual([]);
  });
});

describe('selectors and ranges', () => {
  it('parses PromQL-style selectors', () => {
    expect(parseSelector('gpu_power_watts{gpu="0", node=~"gpu-0[1-4]",x!="a\\"b"}')).toEqual({
      metric: 'gpu_power_watts',
      matchers: [
        { label: 'gpu', op: '=', value: '0' },
        { label: 'node', op: '=~', value: 'gpu-0[1-4]' },
        { label: 'x', op: '!=', value: 'a"b' },
      ],
    });
    expect(() => parseSelector('gpu power')).toThrow(/invalid selector/);
    expect(() => parseSelector('m{gpu=0}')).toThrow(/invalid label matcher/);
    expect(() => parseLabelFlag('node=~[')).toThrow(/invalid regular expression/);
  });

  it('anchors regex matchers like PromQL', () => {
    expect(matches({ node: 'gpu-01' }, { label: 'node', op: '=~', value: 'gpu-0' })).toBe(false);
    expect(matches({ node: 'gpu-01' }, { label: 'node', op: '=~', value: 'gpu-0.' })).toBe(true);
    expect(matches({}, { label: 'node', op: '=', value: '' })).toBe(true);
  });

  it('aligns the range to the step and rejects nonsense', () => {
    expect(resolveRange({ since: '1h', step: '1m' }, 3_600_000 * 10 + 30_000)).toEqual({ start: 3_600_000 * 9, end: 3_600_000 * 10 + 30_000, step: 60_000 });
    expect(resolveRange({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z', step: '5m' }).start).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(() => resolveRange({ start: 'yesterday' })).toThrow(/invalid start/);
    expect(() => resolveRange({ since: '1d', step: '1ms' })).toThrow(/too many steps/);
  });
});
