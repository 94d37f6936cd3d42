import { describe, expect, it } from 'vitest';
import { rawBucket } from '../../../shared/query/bucket.js';
import { runQuery } from '../../../shared/query/engine.js';
import { queryFromFlags } from '../../../shared/query/flags.js';
import { matches } from '../../../shared/query/matchers.js';
import { AGGREGATIONS, type Matcher, type RangeQuery, type SeriesSource } from '../../../shared/query/types.js';
import { prng } from '../../helpers/prng.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 10);

/** Two nodes of two GPUs, 1 s samples with ms jitter (never on a whole second's first ms, so never on a step boundary). */
function fleet(seed: number): { source: SeriesSource; samples: Map<number, [number, number][]> } {
  const r = prng(seed);
  const refs = ['a', 'b'].flatMap((node) => ['0', '1'].map((gpu) => ({ node, gpu }))).map((labels, id) => ({ id, metric: 'm', labels }));
  const samples = new Map(refs.map((ref) => [ref.id, Array.from({ length: 3600 }, (_, i): [number, number] => [T0 - 30 * MIN + i * 1000 + 1 + Math.floor(r() * 998), Math.round(r() * 70_000) / 100])]));
  return {
    samples,
    source: {
      findSeries: (_m: string, ms: readonly Matcher[]) => refs.filter((ref) => ms.every((m) => matches(ref.labels, m))),
      readBuckets: (id: number, start: number, end: number) => samples.get(id)!.filter(([t]) => t >= start && t < end).map(([t, v]) => rawBucket(t, v)),
    },
  };
}

/** PromQL's `<fn>_over_time(m[step])` evaluated at T, from the samples themselves: the window (T - step, T]. */
function overTime(points: readonly [number, number][], fn: 'avg' | 'max' | 'count', T: number, step: number): number | undefined {
  const v = points.filter(([t]) => t > T - step && t <= T).map(([, x]) => x);
  if (v.length === 0) return undefined;
  if (fn === 'max') return Math.max(...v);
  if (fn === 'count') return v.length;
  return v.reduce((a, b) => a + b, 0) / v.length;
}

const flags = (over: Record<string, string>) => ({ since: '1h', step: '1m', agg: 'avg', label: [], start: String(T0), end: String(T0 + 10 * MIN), ...over });

describe('PromQL alignment: align end stamps each step with its end', () => {
  const { source, samples } = fleet(3);

  it('gives, step for step, what a PromQL range query of <fn>_over_time gives at the same timestamps', () => {
    for (const agg of ['avg', 'max', 'count'] as const) {
      const q = queryFromFlags('m{node="a",gpu="1"}', flags({ agg, align: 'end' }));
      const [series] = runQuery(source, q);
      const promql = Array.from({ length: 11 }, (_, k) => T0 + k * MIN).map((T) => [T, overTime(samples.get(1)!, agg, T, MIN)!] as [number, number]);
      // PromQL's query_range from T0 to T0 + 10m evaluates 11 times, T0 included; so does align end.
      expect(series!.points.map(([t]) => t)).toEqual(promql.map(([t]) => t));
      series!.points.forEach(([, v], i) => expect(v).toBeCloseTo(promql[i]![1], 9));
    }
  });

  it('is the default chart moved one step later: the same values, each stamped a step after', () => {
    const r = prng(11);
    for (let i = 0; i < 40; i++) {
      const agg = AGGREGATIONS[Math.floor(r() * AGGREGATIONS.length)]!;
      const step = [MIN, 2 * MIN, 5 * MIN][Math.floor(r() * 3)]!;
      const grouping: Partial<RangeQuery> = [{}, { groupBy: ['node'] }, { sumBy: ['node'] }][Math.floor(r() * 3)]!;
      const base: RangeQuery = { metric: 'm', matchers: [], start: T0 - 20 * MIN, end: T0 + 20 * MIN, step, agg, ...grouping };
      const byStart = runQuery(source, base);
      const byEnd = runQuery(source, { ...base, align: 'end' });
      expect(byEnd).toStrictEqual(byStart.map((s) => ({ ...s, points: s.points.map(([t, v]) => [t + step, v]) })));
      expect(byStart.length).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown alignment, and group and sum together, naming the flag', () => {
    expect(() => queryFromFlags('m', flags({ align: 'middle' }))).toThrow(/invalid --align "middle": use start or end/);
    expect(() => queryFromFlags('m', flags({ groupBy: 'node', sumBy: 'node' }))).toThrow(/--group-by or --sum-by/);
  });
});
