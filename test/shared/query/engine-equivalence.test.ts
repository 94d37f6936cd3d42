import { describe, expect, it } from 'vitest';
import { rawBucket, summarize } from '../../../shared/query/bucket.js';
import { forEachStep, runQuery, toSteps, type StepAcc } from '../../../shared/query/engine.js';
import { matches } from '../../../shared/query/matchers.js';
import { AGGREGATIONS, type Bucket, type BucketColumns, type Matcher, type RangeQuery, type SeriesRef, type SeriesSource } from '../../../shared/query/types.js';
import { prng } from '../../helpers/prng.js';
import { referenceQuery } from './helpers/reference-engine.js';

const MINUTE = 60_000;

/**
 * A random fleet: series with node/gpu labels (some without gpu), 1 s
 * samples with millisecond jitter, gaps, NaN readings, counters with
 * resets, read back raw or as 1-minute rollups, in order or (`shuffle`)
 * not, as a remote store might answer.
 */
function randomSource(seed: number, opts: { rollup: boolean; shuffle: boolean }): { source: SeriesSource; span: number } {
  const r = prng(seed);
  const span = (5 + Math.floor(r() * 20)) * MINUTE;
  const refs: SeriesRef[] = [];
  const data: Bucket[][] = [];
  const nSeries = 1 + Math.floor(r() * 12);
  for (let id = 0; id < nSeries; id++) {
    const labels: Record<string, string> = { node: `n${Math.floor(r() * 3)}` };
    if (r() < 0.8) labels.gpu = String(Math.floor(r() * 12));
    refs.push({ id, metric: 'm', labels });
    const counter = r() < 0.4;
    let level = r() * 1000;
    const samples: [number, number][] = [];
    for (let t = -2 * MINUTE; t < span + 2 * MINUTE; t += 1000) {
      if (r() < 0.1) continue;
      if (counter) level = r() < 0.01 ? r() * 10 : level + r() * 5;
      else level = Math.round((level + (r() - 0.5) * 40) * 100) / 100;
      samples.push([t + Math.floor(r() * 8), r() < 0.005 ? NaN : level]);
    }
    let buckets: Bucket[];
    if (opts.rollup) {
      const minutes = new Map<number, number[]>();
      for (const [t, v] of samples) {
        const m = Math.floor(t / MINUTE) * MINUTE;
        minutes.set(m, [...(minutes.get(m) ?? []), v]);
      }
      buckets = [...minutes].map(([m, vs]) => summarize(m, vs)!);
    } else buckets = samples.map(([t, v]) => rawBucket(t, v));
    if (opts.shuffle) {
      for (let i = buckets.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [buckets[i], buckets[j]] = [buckets[j]!, buckets[i]!];
      }
    }
    data.push(buckets);
  }
  return {
    span,
    source: {
      findSeries: (metric: string, ms: readonly Matcher[]) => (metric === 'm' ? refs.filter((ref) => ms.every((m) => matches(ref.labels, m))) : []),
      // A generator, not an array: the engine must take any Iterable.
      *readBuckets(id: number, start: number, end: number) {
        for (const b of data[id]!) if (b.ts >= start && b.ts < end) yield b;
      },
    },
  };
}

function randomQuery(seed: number, span: number): RangeQuery {
  const r = prng(seed);
  const step = [1000, 15_000, MINUTE, 90_000, 2 * MINUTE, 5 * MINUTE][Math.floor(r() * 6)]!;
  const start = Math.floor(((r() - 0.3) * span) / 1000) * 1000;
  const end = start + 1000 + Math.floor(r() * span);
  const agg = AGGREGATIONS[Math.floor(r() * AGGREGATIONS.length)]!;
  const matchers: Matcher[] = r() < 0.3 ? [{ label: 'node', op: '!=', value: 'n1' }] : [];
  const grouping = r();
  const by = [['node'], ['gpu'], [], ['node', 'gpu']][Math.floor(r() * 4)]!;
  return { metric: 'm', matchers, start, end, step, agg, ...(grouping < 0.33 ? {} : grouping < 0.66 ? { groupBy: by } : { sumBy: by }) };
}

describe('query engine: one-pass stepping gives the map-based engine\'s numbers exactly', () => {
  for (const rollup of [false, true]) {
    for (const shuffle of [false, true]) {
      it(`on random ${rollup ? 'rollup' : 'raw'} data${shuffle ? ' read out of order' : ''}`, () => {
        let points = 0;
        for (let seed = 1; seed <= 60; seed++) {
          const { source, span } = randomSource(seed * 7 + (rollup ? 1 : 0) + (shuffle ? 2 : 0), { rollup, shuffle });
          const q = randomQuery(seed, span);
          const fast = runQuery(source, q);
          // Object.is per value: NaN equals NaN, and -0 is not 0.
          expect(fast, JSON.stringify(q)).toStrictEqual(referenceQuery(source, q));
          points += fast.reduce((a, s) => a + s.points.length, 0);
        }
        // The random queries did produce data to compare.
        expect(points).toBeGreaterThan(500);
      });
    }
  }

  for (const rollup of [false, true]) {
    for (const shuffle of [false, true]) {
      it(`from a source that reads columns, on random ${rollup ? 'rollup' : 'raw'} data${shuffle ? ' out of order' : ''}`, () => {
        let points = 0;
        for (let seed = 1; seed <= 60; seed++) {
          const { source, span } = randomSource(seed * 11 + (rollup ? 1 : 0) + (shuffle ? 2 : 0), { rollup, shuffle });
          const q = randomQuery(seed + 300, span);
          const fast = runQuery(columnsOf(source), q);
          expect(fast, JSON.stringify(q)).toStrictEqual(referenceQuery(source, q));
          points += fast.reduce((a, s) => a + s.points.length, 0);
        }
        expect(points).toBeGreaterThan(500);
      });
    }
  }

  it('hands forEachStep\'s steps over in time order with toSteps\' accumulators', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { source, span } = randomSource(seed, { rollup: seed % 2 === 0, shuffle: seed % 3 === 0 });
      const q = randomQuery(seed + 100, span);
      for (const ref of source.findSeries('m', [])) {
        const seen: [number, StepAcc][] = [];
        forEachStep(source.readBuckets(ref.id, q.start, q.end, q.step), q.start, q.end, q.step, (ts, acc) => seen.push([ts, { ...acc }]));
        const expected = [...toSteps(source.readBuckets(ref.id, q.start, q.end, q.step), q.start, q.end, q.step)].sort((a, b) => a[0] - b[0]);
        expect(seen).toStrictEqual(expected);
      }
    }
  });
});

/** The source's buckets offered as columns only: readBuckets throws, so a query that passes read them through readColumns. */
function columnsOf(source: SeriesSource): SeriesSource {
  return {
    findSeries: source.findSeries,
    readBuckets: () => {
      throw new Error('the engine must read columns where a source offers them');
    },
    readColumns(id: number, start: number, end: number, step: number): BucketColumns {
      const b = [...source.readBuckets(id, start, end, step)];
      const col = (f: (x: Bucket) => number) => Float64Array.from(b, f);
      return { length: b.length, ts: col((x) => x.ts), min: col((x) => x.min), max: col((x) => x.max), sum: col((x) => x.sum), count: col((x) => x.count), first: col((x) => x.first), last: col((x) => x.last), increase: col((x) => x.increase) };
    },
  };
}

describe('query engine: order of the results', () => {
  /** One series a label value, each with one point: the answer's order is all there is to compare. */
  function labelled(values: string[]): SeriesSource {
    const refs = values.map((v, id) => ({ id, metric: 'm', labels: { node: v, gpu: String(id % 3) } }));
    return { findSeries: () => refs, readBuckets: (id: number) => [rawBucket(0, id)] };
  }
  const q: RangeQuery = { metric: 'm', matchers: [], start: 0, end: 60_000, step: 60_000, agg: 'last' };
  const order = (rs: { labels: Record<string, string> }[]) => rs.map((r) => `${r.labels.node}/${r.labels.gpu}`);

  it('is the collator\'s numeric order, where a plain sort agrees with it and where it does not', () => {
    const r = prng(5);
    const cases: string[][] = [
      // Numbers, as GPU and node names have them: a code-unit sort with digit runs by value gives the collator's order.
      Array.from({ length: 300 }, () => `node-${Math.floor(r() * 120)}`),
      // Punctuation ('-' sorts before '"' for the collator, after it by code unit), case, accents, and "01" which the collator deems equal to "1".
      ['n1', 'n1-a', 'n1_b', 'N1', 'n10', 'n01', 'n1', 'é2', 'e2', 'E2', 'n2', 'n 1', 'n1.5', 'n1,5', ''],
    ];
    for (const values of cases) {
      const source = labelled(values);
      expect(order(runQuery(source, q))).toEqual(order(referenceQuery(source, q)));
      expect(runQuery(source, q)).toStrictEqual(referenceQuery(source, q));
    }
  });
});

describe('query engine: sumBy', () => {
  const power: SeriesSource = (() => {
    const series = [
      { labels: { node: 'a', gpu: '0' }, points: [[0, 100], [30_000, 200], [60_000, 300]] },
      { labels: { node: 'a', gpu: '1' }, points: [[0, 10], [60_000, 20]] },
      { labels: { node: 'b', gpu: '0' }, points: [[0, 7]] },
    ] as const;
    const refs = series.map((s, id) => ({ id, metric: 'm', labels: { ...s.labels } }));
    return {
      findSeries: (_m: string, ms: readonly Matcher[]) => refs.filter((ref) => ms.every((m) => matches(ref.labels, m))),
      readBuckets: (id: number, start: number, end: number) => series[id]!.points.filter(([t]) => t >= start && t < end).map(([t, v]) => rawBucket(t, v)),
    };
  })();
  const q = (over: Partial<RangeQuery>): RangeQuery => ({ metric: 'm', matchers: [], start: 0, end: 120_000, step: 60_000, agg: 'avg', ...over });

  it('adds the series\' averages per group (the power of a node\'s GPUs), where groupBy pools their samples', () => {
    // Node a, step 0: gpu0 averages 150, gpu1 10 -> 160 W; pooled they would be (100 + 200 + 10) / 3.
    expect(runQuery(power, q({ sumBy: ['node'] }))).toEqual([
      { metric: 'm', labels: { node: 'a' }, points: [[0, 160], [60_000, 320]] },
      { metric: 'm', labels: { node: 'b' }, points: [[0, 7]] },
    ]);
    expect(runQuery(power, q({ groupBy: ['node'] }))[0]!.points[0]).toEqual([0, 310 / 3]);
    expect(runQuery(power, q({ sumBy: [], agg: 'max' }))).toEqual([{ metric: 'm', labels: {}, points: [[0, 200 + 10 + 7], [60_000, 320]] }]);
  });

  it('refuses groupBy and sumBy together', () => {
    expect(() => runQuery(power, q({ groupBy: ['node'], sumBy: ['node'] }))).toThrow(/exclude each other/);
  });
});
