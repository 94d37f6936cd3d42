import { describe, expect, it } from 'vitest';
import { addField, type RemoteSeries } from '../../../hub/remote-read/remote-buckets.js';
import { SplitSource } from '../../../hub/remote-read/source.js';
import { rawBucket } from '../../../shared/query/bucket.js';
import { runQuery } from '../../../shared/query/engine.js';
import { matchesAll } from '../../../shared/query/matchers.js';
import type { Bucket, Matcher, SeriesRef, SeriesSource } from '../../../shared/query/types.js';

const MIN = 60_000;

/** A local store of raw samples (what the hub's tsdb answers for a raw read). */
function memorySource(series: { metric: string; labels: Record<string, string>; samples: [number, number][] }[]): SeriesSource {
  return {
    findSeries: (metric: string, matchers: readonly Matcher[]): SeriesRef[] =>
      series.flatMap((s, id) => (s.metric === metric && matchesAll(s.labels, matchers) ? [{ id, metric, labels: s.labels }] : [])),
    readBuckets: (id: number, start: number, end: number): Bucket[] => series[id]!.samples.filter(([t]) => t >= start && t < end).map(([t, v]) => rawBucket(t, v)),
  };
}

/** Remote answers as query_range gives them: points stamped at the step's end. */
function remoteOf(metric: string, fields: Partial<Record<'sum' | 'count' | 'last', [Record<string, string>, [number, number][]][]>>): Map<string, Map<string, RemoteSeries>> {
  const series = new Map<string, RemoteSeries>();
  for (const [field, answer] of Object.entries(fields)) {
    addField(series, field as 'sum', answer.map(([labels, pts]) => ({ labels: { __name__: metric, ...labels }, points: pts.map(([t, value]) => ({ ts: t + MIN, value })) })), MIN);
  }
  return new Map([[metric, series]]);
}

describe('SplitSource', () => {
  const a = { node: 'n1', cluster: 'c', gpu: '0' };
  const b = { node: 'n1', cluster: 'c', gpu: '1' };
  const local = memorySource([
    // The local store still has an old sample before the cut: the remote store serves that step.
    { metric: 'p', labels: a, samples: [[1 * MIN, 999], [3 * MIN, 30], [3 * MIN + 10_000, 40], [4 * MIN, 50]] },
    { metric: 'q', labels: a, samples: [[3 * MIN, 7]] },
  ]);
  const remote = remoteOf('p', {
    sum: [[a, [[0, 10], [1 * MIN, 20], [2 * MIN, 30]]], [b, [[1 * MIN, 8]]]],
    count: [[a, [[0, 2], [1 * MIN, 1], [2 * MIN, 3]]], [b, [[1 * MIN, 2]]]],
  });
  const source = new SplitSource(local, remote, 3 * MIN);

  it('answers the steps before the cut from the remote store and the rest from the local one, for the same series', () => {
    const out = runQuery(source, { metric: 'p', matchers: [{ label: 'gpu', op: '=', value: '0' }], start: 0, end: 5 * MIN, step: MIN, agg: 'avg' });
    expect(out).toEqual([{ metric: 'p', labels: a, points: [[0, 5], [MIN, 20], [2 * MIN, 10], [3 * MIN, 35], [4 * MIN, 50]] }]);
  });

  it('includes a series only the remote store has, pools avg exactly across series with group_by, and keeps metrics apart', () => {
    const all = runQuery(source, { metric: 'p', matchers: [], start: 0, end: 5 * MIN, step: MIN, agg: 'avg' });
    expect(all.map((s) => s.labels.gpu)).toEqual(['0', '1']);
    expect(all[1]!.points).toEqual([[MIN, 4]]);
    const grouped = runQuery(source, { metric: 'p', matchers: [], start: 0, end: 5 * MIN, step: MIN, agg: 'avg', groupBy: [] });
    expect(grouped[0]!.points[1]).toEqual([MIN, (20 + 8) / 3]);
    // Same labels, other metric: nothing of p's remote steps.
    expect(runQuery(source, { metric: 'q', matchers: [], start: 0, end: 5 * MIN, step: MIN, agg: 'avg' })[0]!.points).toEqual([[3 * MIN, 7]]);
  });

  it('gives a counter the growth between the last values of consecutive steps, across the cut too', () => {
    const counter = remoteOf('e', { last: [[a, [[0, 100], [1 * MIN, 160], [2 * MIN, 10]]]] });
    const src = new SplitSource(memorySource([{ metric: 'e', labels: a, samples: [[3 * MIN, 25], [3 * MIN + 30_000, 40]] }]), counter, 3 * MIN);
    const out = runQuery(src, { metric: 'e', matchers: [], start: 0, end: 4 * MIN, step: MIN, agg: 'increase' });
    // 100 -> 160: 60; 160 -> 10: a reset, 10; 10 -> 25 at the cut: 15, then 15 inside the local step.
    expect(out[0]!.points).toEqual([[0, 0], [MIN, 60], [2 * MIN, 10], [3 * MIN, 30]]);
  });
});
