import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SampleRefusals } from '../../../hub/ingest/refusals.js';
import { SeriesLimiter, type SeriesLimits } from '../../../hub/ingest/series-limits.js';
import { openTsdb, type Tsdb } from '../../../hub/tsdb/store.js';

let open: Tsdb[] = [];
afterEach(() => {
  for (const t of open) t.close();
  open = [];
});

const NOW = Date.now();
const limits: SeriesLimits = { perNode: 1000, newPerMinute: 10, labels: 16, labelValueLength: 128 };
const row = (node: string, uuid: string, ts = NOW) => ({ metric: 'gpu_power_watts', labels: { cluster: 'lab', node, uuid }, ts, value: 1 });

/** A real store in a fresh file under a limiter with a clock of our own. */
function limited(l: SeriesLimits, file = join(mkdtempSync(join(tmpdir(), 'kcloud-series-limits-')), 'tsdb.db')) {
  const tsdb = openTsdb(file);
  open.push(tsdb);
  const clock = { t: NOW };
  const refusals = new SampleRefusals();
  const limiter = new SeriesLimiter(l, refusals, () => clock.t);
  tsdb.limitSeries(limiter);
  return { tsdb, clock, refusals, limiter, file };
}

describe('per-node series limits on a real store', () => {
  it('lets a node create newPerMinute series a minute; the rest of its rows are refused, counted, and not written', () => {
    const { tsdb, clock, refusals } = limited(limits);
    const rows = Array.from({ length: 25 }, (_, i) => row('a', `GPU-${i}`));
    expect(tsdb.write(rows)).toMatchObject({ written: 10, rejected: 15 });
    expect(rows.filter((r) => 'seriesId' in r)).toHaveLength(10);
    expect(refusals.take()).toEqual([{ node: 'a', reason: 'series_rate', count: 15 }]);
    // Another node has its own budget; known series cost nothing from it.
    expect(tsdb.write([row('b', 'GPU-0'), row('a', 'GPU-0', NOW + 1)])).toMatchObject({ written: 2, rejected: 0 });
    clock.t += 60_000;
    expect(tsdb.write(rows.map((r) => ({ ...r, ts: NOW + 2 })))).toMatchObject({ written: 20, rejected: 5 });
    expect(tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'a' }])).toHaveLength(20);
  });

  it('counts the series a node holds across a restart of the store', () => {
    const first = limited({ ...limits, perNode: 12, newPerMinute: 100 });
    expect(first.tsdb.write(Array.from({ length: 8 }, (_, i) => row('a', `GPU-${i}`)))).toMatchObject({ written: 8 });
    first.tsdb.close();
    open = [];
    const again = limited({ ...limits, perNode: 12, newPerMinute: 100 }, first.file);
    expect(again.limiter.seriesOf('a')).toBe(8);
    expect(again.tsdb.write(Array.from({ length: 8 }, (_, i) => row('a', `GPU-${100 + i}`)))).toMatchObject({ written: 4, rejected: 4 });
    expect(again.refusals.take()).toEqual([{ node: 'a', reason: 'series_limit', count: 4 }]);
  });

  it('gives the series of a rolled-back write back to its node', () => {
    const { tsdb, limiter } = limited(limits);
    // A label that throws when read fails the write inside its transaction, after the first row created its series.
    const failing = Object.defineProperty({ cluster: 'lab', node: 'a' }, 'uuid', { enumerable: true, get: () => { throw new Error('unreadable label'); } });
    expect(() => tsdb.write([row('a', 'GPU-0'), { metric: 'gpu_power_watts', labels: failing as Record<string, string>, ts: NOW, value: 1 }])).toThrow('unreadable label');
    expect(tsdb.findSeries('gpu_power_watts', [])).toEqual([]);
    expect(limiter.seriesOf('a')).toBe(0);
  });

  it.each([
    ['too_many_labels', { ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`l${i}`, 'x'])) }],
    ['label_too_long', { uuid: 'x'.repeat(129) }],
    ['bad_label_value', { uuid: 'GPU-\u0000' }],
  ])('refuses a new series for %s', (reason, labels) => {
    const { tsdb, refusals } = limited(limits);
    expect(tsdb.write([{ metric: 'gpu_power_watts', labels: { cluster: 'lab', node: 'a', ...labels }, ts: NOW, value: 1 }])).toMatchObject({ written: 0, rejected: 1 });
    expect(refusals.take()).toEqual([{ node: 'a', reason, count: 1 }]);
  });
});
