import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openTsdb, type TsdbRow } from '../../../hub/tsdb/store.js';

it('write() tells each row its series id, the id findSeries knows', () => {
  const tsdb = openTsdb(join(mkdtempSync(join(tmpdir(), 'kcloud-series-id-')), 'tsdb.db'));
  const now = Date.now();
  const rows: TsdbRow[] = [
    { metric: 'gpu_power_watts', labels: { node: 'a', gpu: '0' }, ts: now, value: 1 },
    { metric: 'gpu_power_watts', labels: { gpu: '0', node: 'a' }, ts: now + 1, value: 2 },
    { metric: 'gpu_power_watts', labels: { node: 'b', gpu: '0' }, ts: now, value: 3 },
  ];
  tsdb.write(rows);
  const byNode = new Map(tsdb.findSeries('gpu_power_watts', []).map((r) => [r.labels.node, r.id]));
  tsdb.close();
  expect(rows.map((r) => r.seriesId)).toEqual([byNode.get('a'), byNode.get('a'), byNode.get('b')]);
  expect(byNode.get('a')).not.toBe(byNode.get('b'));
});
