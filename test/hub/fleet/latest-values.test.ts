import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import { openTsdb } from '../../../hub/tsdb/store.js';

const row = (labels: Record<string, string>, ts: number, value: number, metric = 'gpu_power_watts') => ({ metric, labels, ts, value });

describe('LatestValues', () => {
  it('keys rows without a series id by their labels, whatever the order', () => {
    const lv = new LatestValues();
    lv.update([row({ gpu: '0', node: 'a', cluster: 'c' }, 1000, 100)]);
    lv.update([row({ cluster: 'c', node: 'a', gpu: '0' }, 2000, 150)]);
    // A backfilled, older sample does not replace the newer one.
    lv.update([row({ node: 'a', gpu: '0', cluster: 'c' }, 1500, 999)]);
    const got = lv.select('gpu_power_watts');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ ts: 2000, value: 150 });
  });

  it('filters by labels and freshness', () => {
    const lv = new LatestValues();
    lv.update([row({ gpu: '0', node: 'a', cluster: 'c' }, 1000, 1), row({ gpu: '1', node: 'a', cluster: 'c' }, 5000, 2), row({ gpu: '0', node: 'b', cluster: 'd' }, 5000, 3)]);
    expect(lv.select('gpu_power_watts', { node: 'a' }).map((s) => s.value).sort()).toEqual([1, 2]);
    expect(lv.select('gpu_power_watts', { node: 'a' }, 2000).map((s) => s.value)).toEqual([2]);
    expect(lv.select('gpu_power_watts', { cluster: 'd', gpu: '0' }).map((s) => s.value)).toEqual([3]);
    expect(lv.select('gpu_power_watts', { node: undefined, cluster: 'd' })).toHaveLength(1);
    expect(lv.select('no_such_metric')).toEqual([]);
  });

  it('forgets a removed node', () => {
    const lv = new LatestValues();
    lv.update([row({ node: 'a', cluster: 'c' }, 1, 1), row({ node: 'b', cluster: 'c' }, 1, 2)]);
    lv.forgetNode('a');
    expect(lv.select('gpu_power_watts').map((s) => s.labels.node)).toEqual(['b']);
    expect([...lv.held('gpu_power_watts')].map((s) => s.labels.node)).toEqual(['b']);
  });

  it('walks the held records of a metric not older than `since`, which later samples change in place', () => {
    const lv = new LatestValues();
    lv.update([row({ gpu: '0', node: 'a', cluster: 'c' }, 1000, 1), row({ gpu: '1', node: 'a', cluster: 'c' }, 5000, 2), row({ node: 'a', cluster: 'c' }, 5000, 9, 'rapl_power_watts')]);
    expect([...lv.held('gpu_power_watts', 2000)].map((s) => s.value)).toEqual([2]);
    const all = [...lv.held('gpu_power_watts')];
    expect(all.map((s) => [s.labels.gpu, s.ts, s.value])).toEqual([
      ['0', 1000, 1],
      ['1', 5000, 2],
    ]);
    // Not copies (select() answers with copies): a caller reads them before the next sample.
    lv.update([row({ gpu: '0', node: 'a', cluster: 'c' }, 6000, 7)]);
    expect([all[0]!.ts, all[0]!.value]).toEqual([6000, 7]);
    expect([...lv.held('gpu_power_watts', 5500)].map((s) => s.value)).toEqual([7]);
    expect([...lv.held('no_such_metric')]).toEqual([]);
  });

  it('seeds from the store, and a live sample of the same series replaces the seeded one', () => {
    const tsdb = openTsdb(join(mkdtempSync(join(tmpdir(), 'kcloud-latest-')), 'tsdb.db'));
    const now = Date.now();
    tsdb.write([
      { metric: 'gpu_power_watts', labels: { cluster: 'c', node: 'a', gpu: '0' }, ts: now - 20_000, value: 10 },
      { metric: 'gpu_power_watts', labels: { cluster: 'c', node: 'a', gpu: '0' }, ts: now - 10_000, value: 20 },
      { metric: 'gpu_power_watts', labels: { cluster: 'c', node: 'old', gpu: '0' }, ts: now - 600_000, value: 30 },
    ]);
    const lv = new LatestValues();
    lv.seed(tsdb, ['gpu_power_watts'], now - 60_000, now);
    const id = tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'a' }])[0]!.id;
    tsdb.close();
    expect(lv.select('gpu_power_watts').map((s) => [s.labels.node, s.value])).toEqual([['a', 20]]);
    // Ingested rows carry the store's series id (set by tsdb.write), as the seed's do.
    lv.update([{ ...row({ gpu: '0', cluster: 'c', node: 'a' }, now, 25), seriesId: id }]);
    expect(lv.select('gpu_power_watts').map((s) => s.value)).toEqual([25]);
  });
});

describe('LatestValues keyed by store series id', () => {
  it('takes the id as the series, keeps the newest sample, and answers with copies that later samples do not change', () => {
    const lv = new LatestValues();
    lv.update([{ metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'c', gpu: '0' }, ts: 1, value: 1, seriesId: 7 }]);
    const before = lv.select('gpu_power_watts');
    // The same series, its labels in another order: the id says which series it is.
    lv.update([{ metric: 'gpu_power_watts', labels: { gpu: '0', cluster: 'c', node: 'a' }, ts: 3, value: 3, seriesId: 7 }]);
    lv.update([{ metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'c', gpu: '0' }, ts: 2, value: 2, seriesId: 7 }]);
    lv.update([{ metric: 'gpu_power_watts', labels: { node: 'b', cluster: 'c', gpu: '0' }, ts: 1, value: 10, seriesId: 8 }]);
    expect(before).toEqual([{ metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'c', gpu: '0' }, ts: 1, value: 1 }]);
    expect(lv.select('gpu_power_watts').map((s) => [s.labels.node, s.ts, s.value])).toEqual([
      ['a', 3, 3],
      ['b', 1, 10],
    ]);
    lv.forgetNode('a');
    lv.update([{ metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'c', gpu: '0' }, ts: 2, value: 2, seriesId: 7 }]);
    expect(lv.select('gpu_power_watts', { node: 'a' }).map((s) => s.value)).toEqual([2]);
  });
});
