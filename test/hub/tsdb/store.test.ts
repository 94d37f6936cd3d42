import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runQuery } from '../../../shared/query/engine.js';
import type { Bucket } from '../../../shared/query/types.js';
import { metricDef } from '../../../shared/metrics/index.js';
import { openTsdb, type Tsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { DAY, HOUR, MINUTE } from '../../../hub/tsdb/options.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';
import { Fleet, prng } from './helpers/workload.js';

// 2026-01-05T00:00:00Z
const T0 = Date.UTC(2026, 0, 5);
const isCounter = (m: string) => metricDef(m)?.type === 'counter';

const stores = new OpenStores();
let clock = T0;

function store(file = tmpDbPath(), extra: Parameters<typeof openTsdb>[1] = {}) {
  const db = openTsdb(file, { isCounter, now: () => clock, ...extra });
  return stores.track(db, file);
}

afterEach(() => {
  stores.closeAndCheck();
  clock = T0;
});

function power(ts: number, value: number, gpu = '0'): TsdbRow {
  return { metric: 'gpu_power_watts', labels: { node: 'n1', gpu }, ts, value };
}

function idOf(db: Tsdb, metric = 'gpu_power_watts', gpu = '0'): number {
  const [ref] = db.findSeries(metric, [{ label: 'gpu', op: '=', value: gpu }]);
  if (!ref) throw new Error(`no series ${metric} gpu=${gpu}`);
  return ref.id;
}

const raw = (db: Tsdb, id: number, start = 0, end = 1e13) => {
  const s = db.readSamples(id, start, end);
  return [...s.ts].map((t, i) => [t, s.values[i]!]);
};

describe('tsdb store', () => {
  it('resolves series by metric and canonical labels, and finds them with matchers', () => {
    const { db } = store();
    db.write([
      { metric: 'gpu_power_watts', labels: { node: 'n1', gpu: '0' }, ts: T0, value: 1 },
      { metric: 'gpu_power_watts', labels: { gpu: '0', node: 'n1' }, ts: T0 + 1000, value: 2 },
      { metric: 'gpu_power_watts', labels: { gpu: '1', node: 'n1', empty: '' }, ts: T0, value: 3 },
      { metric: 'gpu_temperature_celsius', labels: { gpu: '0', node: 'n1' }, ts: T0, value: 40 },
    ]);
    expect(db.stats().series).toBe(3);
    expect(db.findSeries('gpu_power_watts', [{ label: 'gpu', op: '=~', value: '0|1' }]).map((s) => s.labels)).toEqual([
      { gpu: '0', node: 'n1' },
      { gpu: '1', node: 'n1' },
    ]);
    expect(db.findSeries('gpu_power_watts', [{ label: 'empty', op: '=', value: '' }])).toHaveLength(2);
    expect(raw(db, idOf(db))).toEqual([
      [T0, 1],
      [T0 + 1000, 2],
    ]);
  });

  it('returns the same samples and buckets before and after sealing, in every tier', () => {
    const { db } = store();
    const fleet = new Fleet(1, 2, T0, 5);
    for (let s = 0; s < 3 * 3600; s++) db.write(fleet.next());
    clock = T0 + 4 * HOUR;
    const series = [...db.findSeries('gpu_power_watts', []), ...db.findSeries('gpu_energy_joules', [])];
    const read = () =>
      series.map((s) => ({
        raw: raw(db, s.id),
        buckets: [1000, MINUTE, 5 * MINUTE, HOUR].map((step) => [...db.readBuckets(s.id, T0, T0 + 3 * HOUR, step)]),
      }));
    const before = read();
    expect(before[0]!.raw).toHaveLength(3 * 3600);
    expect(before[0]!.buckets[1]).toHaveLength(180);
    expect(before[0]!.buckets[3]).toHaveLength(3);
    const result = db.seal(clock);
    expect(result).toEqual({ windows: 3, chunks: 3 * 16, samples: 3 * 3600 * 16 });
    expect(db.stats()).toMatchObject({ headSamples: 0, samples: 3 * 3600 * 16, chunks: 48 });
    expect(read()).toEqual(before);
  });

  it('accepts out-of-order and duplicate writes: one sample per (series, ts), the first value kept', () => {
    const { db } = store();
    const r = prng(3);
    const rows = Array.from({ length: 500 }, (_, i) => power(T0 + i * 1000, i));
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    expect(db.write(rows.slice(0, 300))).toEqual({ written: 300, duplicates: 0, rejected: 0 });
    // The rest, plus every earlier row again with a different value.
    expect(db.write([...rows.slice(300), ...rows.slice(0, 300).map((x) => ({ ...x, value: -1 }))])).toEqual({ written: 200, duplicates: 300, rejected: 0 });
    const expected = Array.from({ length: 500 }, (_, i) => [T0 + i * 1000, i]);
    expect(raw(db, idOf(db))).toEqual(expected);
    clock = T0 + DAY;
    db.seal(clock);
    expect(raw(db, idOf(db))).toEqual(expected);
    // After sealing, a duplicate lands in the head; the sealed value still wins, in reads and when sealed again.
    db.write([power(T0 + 7000, 999)]);
    expect(raw(db, idOf(db))).toEqual(expected);
    db.seal(clock);
    expect(raw(db, idOf(db))).toEqual(expected);
    expect(db.stats().samples).toBe(500);
  });

  it('merges hours-old backfill into an already sealed window, in raw and rollups', () => {
    const { db } = store();
    // Even seconds now, odd seconds arrive later (an agent draining its outbox).
    db.write(Array.from({ length: 1800 }, (_, i) => power(T0 + i * 2000, 100)));
    clock = T0 + 5 * HOUR;
    expect(db.seal(clock).chunks).toBe(1);
    const id = idOf(db);
    expect(db.readBuckets(id, T0, T0 + HOUR, HOUR)).toEqual([{ ts: T0, min: 100, max: 100, sum: 180_000, count: 1800, first: 100, last: 100, increase: 0 }]);

    db.write(Array.from({ length: 1800 }, (_, i) => power(T0 + i * 2000 + 1000, 200)));
    const merged: Bucket = { ts: T0, min: 100, max: 200, sum: 540_000, count: 3600, first: 100, last: 200, increase: 0 };
    // Before sealing again, the reopened window is summarised from chunk + head.
    expect(db.readBuckets(id, T0, T0 + HOUR, HOUR)).toEqual([merged]);
    expect(db.readBuckets(id, T0, T0 + 2 * MINUTE, MINUTE)).toEqual([
      { ts: T0, min: 100, max: 200, sum: 9000, count: 60, first: 100, last: 200, increase: 0 },
      { ts: T0 + MINUTE, min: 100, max: 200, sum: 9000, count: 60, first: 100, last: 200, increase: 0 },
    ]);
    expect(db.seal(clock)).toEqual({ windows: 1, chunks: 1, samples: 1800 });
    expect(db.readBuckets(id, T0, T0 + HOUR, HOUR)).toEqual([merged]);
    expect(db.readSamples(id, T0, T0 + HOUR).ts.length).toBe(3600);
    // Sealing the same backfill again (a redelivered batch) changes nothing.
    db.write(Array.from({ length: 1800 }, (_, i) => power(T0 + i * 2000 + 1000, 300)));
    db.seal(clock);
    expect(db.readBuckets(id, T0, T0 + HOUR, HOUR)).toEqual([merged]);
    expect(db.stats()).toMatchObject({ samples: 3600, chunks: 1 });
  });

  it('keeps live-window rollups equal to a fresh summary as samples arrive in order, out of order and get sealed', () => {
    const { db } = store();
    const id = () => idOf(db);
    // Independent summary of what the store holds, by brute force per minute.
    const expected = (start: number, end: number) => {
      const s = db.readSamples(id(), start, end);
      const byMinute = new Map<number, number[]>();
      s.ts.forEach((t, i) => byMinute.set(Math.floor(t / MINUTE) * MINUTE, [...(byMinute.get(Math.floor(t / MINUTE) * MINUTE) ?? []), s.values[i]!]));
      return [...byMinute].map(([ts, vs]) => [ts, vs.length, Math.min(...vs), Math.max(...vs), vs[0], vs.at(-1)]);
    };
    const got = (start: number, end: number) => db.readBuckets(id(), start, end, MINUTE).map((b) => [b.ts, b.count, b.min, b.max, b.first, b.last]);
    const r = prng(8);
    let t = T0 + HOUR;
    const next = (n: number) => db.write(Array.from({ length: n }, () => power((t += 1000), Math.round(r() * 1000) / 10)));
    next(600);
    expect(got(T0 + HOUR, T0 + 2 * HOUR)).toEqual(expected(T0 + HOUR, T0 + 2 * HOUR));
    for (let round = 0; round < 5; round++) {
      next(37);
      expect(got(T0 + HOUR, T0 + 2 * HOUR)).toEqual(expected(T0 + HOUR, T0 + 2 * HOUR));
    }
    // Out of order into the first minute (half-seconds are free).
    db.write([power(T0 + HOUR + 1500, 9999)]);
    expect(got(T0 + HOUR, T0 + 2 * HOUR)[0]).toEqual([T0 + HOUR, 60, expect.any(Number), 9999, expect.any(Number), expect.any(Number)]);
    expect(got(T0 + HOUR, T0 + 2 * HOUR)).toEqual(expected(T0 + HOUR, T0 + 2 * HOUR));
    // Seal the window, then the same window receives data again from the head.
    clock = T0 + 3 * HOUR;
    db.seal(clock);
    const sealed = got(T0 + HOUR, T0 + 2 * HOUR);
    expect(sealed).toEqual(expected(T0 + HOUR, T0 + 2 * HOUR));
    db.write([power(T0 + HOUR + 2500, -5)]);
    expect(got(T0 + HOUR, T0 + 2 * HOUR)[0]![1]).toBe(61);
    expect(got(T0 + HOUR, T0 + 2 * HOUR)).toEqual(expected(T0 + HOUR, T0 + 2 * HOUR));
  });

  it('computes counter increase across a reset, and the query engine adds it up', () => {
    const { db } = store();
    // Energy counter (catalogue type counter): +10 J/s for 90 s, driver reload to 0, then +10 J/s.
    const rows: TsdbRow[] = [];
    for (let i = 0; i < 180; i++) rows.push({ metric: 'gpu_energy_joules', labels: { gpu: '0' }, ts: T0 + i * 1000, value: i < 90 ? 5000 + i * 10 : (i - 90) * 10 });
    db.write(rows);
    const id = idOf(db, 'gpu_energy_joules');
    const check = () => {
      const minutes = db.readBuckets(id, T0, T0 + 3 * MINUTE, MINUTE);
      // Minute 0: 5000 -> 5590 = 590. Minute 1: 5600 -> 5890 (290), reset to 0 (+0), 0 -> 290 (290) = 580. Minute 2: 300 -> 890 = 590.
      expect([...minutes].map((b) => [b.ts, b.first, b.last, b.increase])).toEqual([
        [T0, 5000, 5590, 590],
        [T0 + MINUTE, 5600, 290, 580],
        [T0 + 2 * MINUTE, 300, 890, 590],
      ]);
      // Whole range: 179 steps of 10 J with one of them a reset to 0 = 1780 J; boundaries credited by the engine.
      const [total] = runQuery(db, { metric: 'gpu_energy_joules', matchers: [], start: T0, end: T0 + 3 * MINUTE, step: 3 * MINUTE, agg: 'increase' });
      expect(total!.points).toEqual([[T0, 1780]]);
      const [perMinute] = runQuery(db, { metric: 'gpu_energy_joules', matchers: [], start: T0, end: T0 + 3 * MINUTE, step: MINUTE, agg: 'increase' });
      expect(perMinute!.points.reduce((a, [, v]) => a + v, 0)).toBe(1780);
    };
    check();
    clock = T0 + DAY;
    db.seal(clock);
    check();
  });

  it('keeps gauges without increase and answers avg/min/max through the engine from any tier', () => {
    const { db } = store();
    db.write(Array.from({ length: 120 }, (_, i) => power(T0 + i * 1000, i < 60 ? 50 : 150)));
    const q = (agg: 'avg' | 'max' | 'increase') => runQuery(db, { metric: 'gpu_power_watts', matchers: [], start: T0, end: T0 + 2 * MINUTE, step: 2 * MINUTE, agg })[0]!.points;
    clock = T0 + DAY;
    db.seal(clock);
    expect(q('avg')).toEqual([[T0, 100]]);
    expect(q('max')).toEqual([[T0, 150]]);
    expect(db.readBuckets(idOf(db), T0, T0 + 2 * MINUTE, MINUTE).map((b) => b.increase)).toEqual([0, 0]);
  });

  it('stores NaN, infinities and -0 exactly through the head, the log and the chunks', () => {
    const file = tmpDbPath();
    const { db } = store(file);
    const values = [NaN, Infinity, -Infinity, -0, 1e308, 5e-324];
    db.write(values.map((v, i) => power(T0 + i * 1000, v)));
    const same = (d: Tsdb) => {
      const got = d.readSamples(idOf(d), T0, T0 + MINUTE).values;
      values.forEach((v, i) => expect(Object.is(got[i], v), `value ${i}`).toBe(true));
    };
    same(db);
    db.close();
    const { db: reopened } = store(file);
    same(reopened);
    clock = T0 + DAY;
    reopened.seal(clock);
    same(reopened);
  });

  it('recovers the head on reopen, without sealing', () => {
    const file = tmpDbPath();
    const { db } = store(file);
    db.write(Array.from({ length: 100 }, (_, i) => power(T0 + i * 1000, i)));
    db.write(Array.from({ length: 100 }, (_, i) => power(T0 - 3 * HOUR + i * 1000, i, '1')));
    db.close();
    const { db: again } = store(file);
    expect(again.stats()).toMatchObject({ series: 2, headSamples: 200, chunks: 0 });
    expect(raw(again, idOf(again))).toEqual(Array.from({ length: 100 }, (_, i) => [T0 + i * 1000, i]));
    // A duplicate after recovery is still a duplicate.
    expect(again.write([power(T0, 42)])).toEqual({ written: 0, duplicates: 1, rejected: 0 });
  });

  it('flushes the current window too, and merges what arrives in it afterwards', () => {
    const { db } = store();
    clock = T0 + 30 * MINUTE;
    db.write(Array.from({ length: 60 }, (_, i) => power(T0 + i * 1000, 1)));
    // The window is still open: a plain seal leaves it, a flush does not.
    expect(db.seal(clock).windows).toBe(0);
    expect(db.flush()).toEqual({ windows: 1, chunks: 1, samples: 60 });
    expect(db.stats()).toMatchObject({ headSamples: 0, chunks: 1 });
    db.write(Array.from({ length: 60 }, (_, i) => power(T0 + MINUTE + i * 1000, 2)));
    clock = T0 + 2 * HOUR;
    db.seal(clock);
    expect(db.readBuckets(idOf(db), T0, T0 + HOUR, HOUR)).toEqual([{ ts: T0, min: 1, max: 2, sum: 180, count: 120, first: 1, last: 2, increase: 0 }]);
    expect(() => db.seal(Infinity)).toThrow(/now must be/);
  });

  it('refuses a file created with another chunk window', () => {
    const file = tmpDbPath();
    store(file).db.close();
    expect(() => openTsdb(file, { chunkWindow: '2h' })).toThrow(/chunkWindow/);
  });

  it('applies retention per tier, drops emptied series, and rejects writes older than raw retention', () => {
    const { db } = store(undefined, { retention: { raw: '1d', '1m': '3d', '1h': '10d' } });
    for (const day of [0, 2, 4]) {
      clock = T0 + day * DAY;
      db.write(Array.from({ length: 120 }, (_, i) => power(T0 + day * DAY + i * 1000, day, String(day))));
      clock += 2 * HOUR;
      expect(db.seal(clock).chunks).toBe(1);
    }
    const id = (gpu: string) => idOf(db, 'gpu_power_watts', gpu);
    clock = T0 + 4 * DAY + 2 * HOUR;
    // Cutoffs: raw 3d+2h, 1m 1d+2h, 1h none yet. Day 0 loses raw and 1 m, day 2 raw only, day 4 nothing.
    expect(db.applyRetention(clock)).toEqual({ blocks: 2 + 1, timestampColumns: 2, headWindows: 0, series: 0 });
    expect(raw(db, id('0'))).toEqual([]);
    expect(raw(db, id('2'))).toEqual([]);
    expect(raw(db, id('4'))).toHaveLength(120);
    // A 1 s query over day 2 falls back to the 1 m tier (raw is gone), over day 0 to 1 h.
    expect(db.readBuckets(id('2'), T0 + 2 * DAY, T0 + 2 * DAY + HOUR, 1000).map((b) => [b.ts, b.count, b.sum])).toEqual([
      [T0 + 2 * DAY, 60, 120],
      [T0 + 2 * DAY + MINUTE, 60, 120],
    ]);
    expect(db.readBuckets(id('0'), T0, T0 + HOUR, 1000).map((b) => [b.ts, b.count, b.sum])).toEqual([[T0, 120, 0]]);
    // Day 3 is older than the raw cutoff: rejected. Day 4 is not.
    expect(db.write([power(T0 + 3 * DAY, 1, '3'), power(T0 + 4 * DAY + HOUR, 1, '3')])).toEqual({ written: 1, duplicates: 0, rejected: 1 });

    clock = T0 + 11 * DAY;
    // The gpu 3 sample expired in the head before it was sealed: discarded.
    expect(db.seal(clock)).toEqual({ windows: 1, chunks: 0, samples: 0 });
    // 1 h cutoff is now day 1: day 0 is gone entirely, as is gpu 3.
    expect(db.applyRetention(clock)).toMatchObject({ series: 2 });
    expect(db.findSeries('gpu_power_watts', []).map((s) => s.labels.gpu)).toEqual(['2', '4']);
    clock = T0 + 20 * DAY;
    expect(db.applyRetention(clock).series).toBe(2);
    expect(db.stats()).toMatchObject({ series: 0, samples: 0, chunks: 0 });
  });

  it('never gives a dropped series id to another series, also after a reopen', () => {
    const file = tmpDbPath();
    const first = store(file, { retention: { raw: '1d' } }).db;
    first.write([power(T0, 1, '0'), power(T0 + 2 * DAY, 1, '1')]);
    const old = idOf(first, 'gpu_power_watts', '0');
    const newest = idOf(first, 'gpu_power_watts', '1');
    expect(newest).toBeGreaterThan(old);
    // Retention drops the series with the highest id (gpu 1's last sample is older than the new cutoff).
    clock = T0 + 5 * DAY;
    expect(first.applyRetention(clock).series).toBe(2);
    first.close();
    const again = store(file, { retention: { raw: '1d' } }).db;
    again.write([power(clock, 1, '2'), power(clock, 1, '0')]);
    const ids = [idOf(again, 'gpu_power_watts', '2'), idOf(again, 'gpu_power_watts', '0')];
    expect(Math.min(...ids)).toBeGreaterThan(newest);
    expect(new Set(ids).size).toBe(2);
  });

  it('refuses to open a head log whose record names a series id never handed out', () => {
    const { db, file } = store();
    db.write([power(T0, 1), power(T0 + 1000, 2)]);
    const highest = idOf(db);
    db.close();
    const sqlite = new Database(file);
    const table = sqlite.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'head_*'").pluck().get() as string;
    // A damaged record: a valid sample but for an id 10^12 (the head would have grown an array that long).
    sqlite.prepare(`INSERT INTO ${table} (samples) VALUES (?)`).run(Buffer.from(new Float64Array([1e12, T0 + 2000, 3]).buffer));
    sqlite.close();
    expect(() => openTsdb(file, { isCounter, now: () => clock })).toThrow(`corrupt head record in ${table}: series id 1000000000000`);
    const repaired = new Database(file);
    repaired.prepare(`UPDATE ${table} SET samples = ? WHERE id = (SELECT max(id) FROM ${table})`).run(Buffer.from(new Float64Array([highest, T0 + 2000, 3]).buffer));
    repaired.close();
    const { db: reopened } = store(file);
    expect(raw(reopened, highest)).toEqual([
      [T0, 1],
      [T0 + 1000, 2],
      [T0 + 2000, 3],
    ]);
  });

  it('resolves the same labels written in any order, with empty values, to one series through the write path', () => {
    const { db } = store();
    const rows: TsdbRow[] = [
      { metric: 'gpu_power_watts', labels: { node: 'n1', gpu: '0' }, ts: T0, value: 1 },
      { metric: 'gpu_power_watts', labels: { gpu: '0', node: 'n1' }, ts: T0 + 1, value: 2 },
      { metric: 'gpu_power_watts', labels: { gpu: '0', pod: '', node: 'n1' }, ts: T0 + 2, value: 3 },
      { metric: 'gpu_power_watts', labels: { node: 'n1', gpu: '0' }, ts: T0 + 3, value: 4 },
      // Same names and values shifted between labels: another series, though its text joins the same.
      { metric: 'gpu_power_watts', labels: { node: 'n10', gpu: '' }, ts: T0, value: 5 },
      { metric: 'gpu_temperature_celsius', labels: { node: 'n1', gpu: '0' }, ts: T0, value: 6 },
    ];
    db.write(rows);
    const ids = rows.map((r) => r.seriesId);
    expect(new Set(ids.slice(0, 4)).size).toBe(1);
    expect(new Set(ids).size).toBe(3);
    expect(raw(db, ids[0]!).map(([, v]) => v)).toEqual([1, 2, 3, 4]);
  });

  it('discards head windows that expired before they were sealed', () => {
    const { db } = store(undefined, { retention: { raw: '1d' } });
    db.write(Array.from({ length: 10 }, (_, i) => power(T0 + i * 1000, i)));
    clock = T0 + 3 * DAY;
    expect(db.applyRetention(clock)).toEqual({ blocks: 0, timestampColumns: 0, headWindows: 1, series: 1 });
    expect(db.stats()).toMatchObject({ series: 0, headSamples: 0 });
  });

  it('rejects rows with unusable timestamps and keeps the rest of the batch', () => {
    const { db } = store();
    expect(db.write([power(T0 + 0.5, 1), power(-1000, 1), power(Number.NaN, 1), power(T0, 1)])).toEqual({ written: 1, duplicates: 0, rejected: 3 });
  });
});
