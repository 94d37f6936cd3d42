import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../hub/tsdb/schema.js';
import { canonicalLabels, SeriesIndex } from '../../../hub/tsdb/series.js';
import { tmpDbPath } from './helpers/tmp.js';

function index(): { db: Database.Database; series: SeriesIndex } {
  const db = openDatabase(tmpDbPath(), 'NORMAL', 3_600_000);
  return { db, series: new SeriesIndex(db) };
}

describe('series index', () => {
  it.each([
    [{ node: 'n1', gpu: '0' }, '{"gpu":"0","node":"n1"}'],
    [{ gpu: '0', node: 'n1', pod: '' }, '{"gpu":"0","node":"n1"}'],
    [{}, '{}'],
    [undefined, '{}'],
  ])('canonicalises %j as %s', (labels, canonical) => {
    expect(canonicalLabels(labels)).toBe(canonical);
  });

  it('gives one id per metric and label set, whatever the key order', () => {
    const { db, series } = index();
    const a = series.resolve('gpu_power_watts', { node: 'n1', gpu: '0' });
    expect(series.resolve('gpu_power_watts', { gpu: '0', node: 'n1' })).toBe(a);
    expect(series.resolve('gpu_power_watts', { gpu: '0', node: 'n1', pod: '' })).toBe(a);
    expect(series.resolve('gpu_temperature_celsius', { gpu: '0', node: 'n1' })).not.toBe(a);
    expect(series.resolve('gpu_power_watts', { gpu: '1', node: 'n1' })).not.toBe(a);
    expect(db.prepare('SELECT metric, labels FROM series ORDER BY id').all()).toEqual([
      { metric: 'gpu_power_watts', labels: '{"gpu":"0","node":"n1"}' },
      { metric: 'gpu_temperature_celsius', labels: '{"gpu":"0","node":"n1"}' },
      { metric: 'gpu_power_watts', labels: '{"gpu":"1","node":"n1"}' },
    ]);
    db.close();
  });

  it('does not confuse label sets whose joined names and values read the same', () => {
    const { db, series } = index();
    const joined = series.resolve('m', { a: 'x\u0000b\u0000y' });
    expect(series.resolve('m', { a: 'x', b: 'y' })).not.toBe(joined);
    expect(series.resolve('m', { a: 'x\u0000b\u0000y' })).toBe(joined);
    db.close();
  });

  it('reloads ids from the table and forgets series of a rolled-back transaction', () => {
    const { db, series } = index();
    const kept = db.transaction(() => series.resolve('m', { k: '1' }))();
    series.commit();
    expect(() =>
      db.transaction(() => {
        series.resolve('m', { k: '2' });
        throw new Error('write failed');
      })(),
    ).toThrow('write failed');
    series.rollback();
    expect(series.find('m', []).map((s) => s.labels)).toEqual([{ k: '1' }]);
    const again = new SeriesIndex(db);
    expect(again.resolve('m', { k: '1' })).toBe(kept);
    expect(again.find('m', [{ label: 'k', op: '!=', value: '1' }])).toEqual([]);
    db.close();
  });
});
