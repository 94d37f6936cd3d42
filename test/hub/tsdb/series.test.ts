import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../hub/tsdb/schema.js';
import { canonicalLabels, SeriesIndex, type ResolvedSeries } from '../../../hub/tsdb/series.js';
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
    const a = series.resolve('gpu_power_watts', { node: 'n1', gpu: '0' })?.id;
    expect(series.resolve('gpu_power_watts', { gpu: '0', node: 'n1' })?.id).toBe(a);
    expect(series.resolve('gpu_power_watts', { gpu: '0', node: 'n1', pod: '' })?.id).toBe(a);
    expect(series.resolve('gpu_temperature_celsius', { gpu: '0', node: 'n1' })?.id).not.toBe(a);
    expect(series.resolve('gpu_power_watts', { gpu: '1', node: 'n1' })?.id).not.toBe(a);
    expect(db.prepare('SELECT metric, labels FROM series ORDER BY id').all()).toEqual([
      { metric: 'gpu_power_watts', labels: '{"gpu":"0","node":"n1"}' },
      { metric: 'gpu_temperature_celsius', labels: '{"gpu":"0","node":"n1"}' },
      { metric: 'gpu_power_watts', labels: '{"gpu":"1","node":"n1"}' },
    ]);
    db.close();
  });

  it('does not confuse label sets whose joined names and values read the same', () => {
    const { db, series } = index();
    const joined = series.resolve('m', { a: 'x\u0000b\u0000y' })?.id;
    expect(series.resolve('m', { a: 'x', b: 'y' })?.id).not.toBe(joined);
    expect(series.resolve('m', { a: 'x\u0000b\u0000y' })?.id).toBe(joined);
    db.close();
  });

  it('reloads ids from the table and forgets series of a rolled-back transaction', () => {
    const { db, series } = index();
    const kept = db.transaction(() => series.resolve('m', { k: '1' }))()?.id;
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
    expect(again.resolve('m', { k: '1' })?.id).toBe(kept);
    expect(again.find('m', [{ label: 'k', op: '!=', value: '1' }])).toEqual([]);
    db.close();
  });

  it('follows a writer that repeats its order, and a wrong guess never picks the wrong series', () => {
    const { db, series } = index();
    const batch = (node: string, gpus: string[]) => gpus.flatMap((gpu) => ['p', 't'].map((metric) => ({ metric, labels: { node, gpu } })));
    const write = (rows: { metric: string; labels: Record<string, string> }[]) => {
      let previous: ResolvedSeries | undefined;
      return rows.map((r) => (previous = series.resolve(r.metric, r.labels, previous))?.id);
    };
    const first = write(batch('a', ['0', '1']));
    expect(new Set(first).size).toBe(4);
    // The same order again: the same ids.
    expect(write(batch('a', ['0', '1']))).toEqual(first);
    // Another order, a row left out, another node between: every id is the one its labels name, whatever the guess.
    const shuffled = write([...batch('a', ['1']), ...batch('b', ['0']), ...batch('a', ['0']).slice(1)]);
    expect(shuffled).toEqual([first[2], first[3], expect.any(Number), expect.any(Number), first[1]]);
    expect(shuffled.slice(2, 4).every((id) => !first.includes(id))).toBe(true);
    // Labels that differ from the guess only by an extra or an empty label.
    expect(write([{ metric: 'p', labels: { node: 'a', gpu: '0' } }, { metric: 't', labels: { node: 'a', gpu: '0', pod: 'x' } }])[1]).not.toBe(first[1]);
    expect(write([{ metric: 'p', labels: { node: 'a', gpu: '0' } }, { metric: 't', labels: { node: 'a', gpu: '0', pod: '' } }])[1]).toBe(first[1]);
    db.close();
  });

  it('compares by position in the order a writer used, and still by name when the order or a value changes', () => {
    const { db, series } = index();
    const a = series.resolve('m', { node: 'a', gpu: '0' })!.id;
    const b = series.resolve('m', { node: 'a', gpu: '1' })!.id;
    const write = (rows: Record<string, string>[]) => {
      let previous: ResolvedSeries | undefined;
      return rows.map((labels) => (previous = series.resolve('m', labels, previous))?.id);
    };
    // The first pass remembers the order; the second is compared by position.
    expect(write([{ node: 'a', gpu: '0' }, { node: 'a', gpu: '1' }])).toEqual([a, b]);
    expect(write([{ node: 'a', gpu: '0' }, { node: 'a', gpu: '1' }])).toEqual([a, b]);
    // Same names in the same order, a value differs: the series its labels name, a new one when none has them.
    expect(write([{ node: 'a', gpu: '0' }, { node: 'a', gpu: '2' }])[1]).not.toBe(b);
    expect(write([{ node: 'a', gpu: '0' }, { node: 'b', gpu: '1' }])[1]).not.toBe(b);
    // Another order, an empty label, an extra label.
    expect(write([{ node: 'a', gpu: '0' }, { gpu: '1', node: 'a' }])).toEqual([a, b]);
    expect(write([{ node: 'a', gpu: '0' }, { gpu: '1', pod: '', node: 'a' }])).toEqual([a, b]);
    expect(write([{ node: 'a', gpu: '0' }, { node: 'a', gpu: '1', pod: 'x' }])[1]).not.toBe(b);
    expect(write([{ node: 'a', gpu: '0' }, { node: 'a' }])[1]).not.toBe(b);
    db.close();
  });

  it('never guesses a series that a rolled-back transaction created', () => {
    const { db, series } = index();
    const p = db.transaction(() => series.resolve('p', { gpu: '0' }))();
    series.commit();
    let gone = 0;
    expect(() =>
      db.transaction(() => {
        gone = series.resolve('t', { gpu: '0' }, p)!.id;
        throw new Error('write failed');
      })(),
    ).toThrow('write failed');
    series.rollback();
    const again = db.transaction(() => series.resolve('t', { gpu: '0' }, p))()?.id;
    series.commit();
    expect(again).not.toBe(gone);
    expect(series.find('t', []).map((s) => s.id)).toEqual([again]);
    db.close();
  });
});
