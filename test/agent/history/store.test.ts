import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../agent/history/store.js';
import { runQuery } from '../../../shared/query/engine.js';

describe('agent history store', () => {
  it('stores samples, answers the shared query engine, and prunes by retention', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-hist-')), 'history.db');
    const store = HistoryStore.open(file, { retentionMs: 3_600_000 });
    const t0 = 1_763_900_000_000;
    for (let i = 0; i < 120; i++) {
      store.append(
        [
          { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'A' }, value: 100 + i },
          { metric: 'gpu_power_watts', labels: { uuid: 'B', gpu: '1' }, value: 50, ts: t0 + i * 1000 },
        ],
        t0 + i * 1000,
      );
    }
    // The same sample twice is one sample.
    store.append([{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'A' }, value: 100 }], t0);
    expect(store.findSeries('gpu_power_watts', [{ label: 'gpu', op: '=', value: '1' }])).toEqual([{ id: 2, metric: 'gpu_power_watts', labels: { gpu: '1', uuid: 'B' } }]);
    const r = runQuery(store, { metric: 'gpu_power_watts', matchers: [{ label: 'gpu', op: '=', value: '0' }], start: t0 - (t0 % 60_000), end: t0 + 120_000, step: 60_000, agg: 'count' });
    expect(r[0]!.points.reduce((a, [, v]) => a + v, 0)).toBe(120);
    store.close();

    const ro = HistoryStore.open(file, { retentionMs: 0, readonly: true });
    expect(ro.metrics()).toEqual(['gpu_power_watts']);
    ro.close();

    const rw = HistoryStore.open(file, { retentionMs: 60_000 });
    rw.prune(t0 + 120_000);
    const left = runQuery(rw, { metric: 'gpu_power_watts', matchers: [], start: t0 - 60_000, end: t0 + 120_000, step: 600_000, agg: 'count', groupBy: [] });
    expect(left[0]!.points.reduce((a, [, v]) => a + v, 0)).toBe(2 * 60);
    rw.close();
  });
});
