import { afterEach, describe, expect, it } from 'vitest';
import { metricDef } from '../../../shared/metrics/index.js';
import type { Bucket } from '../../../shared/query/types.js';
import { DAY, HOUR, MINUTE, type TsdbOptions } from '../../../hub/tsdb/options.js';
import { openTsdb, type Tsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';
import { prng } from './helpers/workload.js';
import { computeBuckets } from '../../../hub/tsdb/rollup.js';
import { runQuery } from '../../../shared/query/engine.js';
import { referenceQuery } from '../../shared/query/helpers/reference-engine.js';

// 2026-01-05T00:00:00Z
const T0 = Date.UTC(2026, 0, 5);
const isCounter = (m: string) => metricDef(m)?.type === 'counter';

const stores = new OpenStores();
let clock = T0;

function store(file = tmpDbPath(), extra: TsdbOptions = {}) {
  return stores.track(openTsdb(file, { isCounter, now: () => clock, ...extra }), file);
}

afterEach(() => {
  stores.closeAndCheck();
  clock = T0;
});

/** Two GPUs' power (gauge) and energy (counter, with a reset) every 10 s over [from, to), values from `seed`. */
function samples(from: number, to: number, seed: number, every = 10_000): TsdbRow[] {
  const r = prng(seed);
  const rows: TsdbRow[] = [];
  let energy = 1000;
  for (let ts = from; ts < to; ts += every) {
    for (const gpu of ['0', '1']) {
      rows.push({ metric: 'gpu_power_watts', labels: { node: 'n1', gpu }, ts, value: Math.round((80 + r() * 600) * 100) / 100 });
    }
    energy = r() < 0.01 ? 5 : energy + Math.round(r() * 5000) / 1000;
    rows.push({ metric: 'gpu_energy_joules', labels: { node: 'n1', gpu: '0' }, ts, value: energy });
  }
  return rows;
}

const SERIES = [
  ['gpu_power_watts', '0'],
  ['gpu_power_watts', '1'],
  ['gpu_energy_joules', '0'],
] as const;

/** Every series' buckets for each range and step (1 m and 5 m steps read 1 m blocks, 1 h steps the day's 1 h block). */
function readAll(db: Tsdb, ranges: [number, number][], steps = [MINUTE, 5 * MINUTE, HOUR]): Bucket[][] {
  const out: Bucket[][] = [];
  for (const [metric, gpu] of SERIES) {
    const ref = db.findSeries(metric, [{ label: 'gpu', op: '=', value: gpu }])[0];
    if (!ref) {
      out.push([]);
      continue;
    }
    for (const [start, end] of ranges) for (const step of steps) out.push(db.readBuckets(ref.id, start, end, step));
  }
  return out;
}

/** The same reads through a second store on the file that keeps no decoded block: what the tables hold now. */
function readUncached(file: string, ranges: [number, number][], steps?: number[]): Bucket[][] {
  const db = openTsdb(file, { isCounter, now: () => clock, readCacheBytes: 0 });
  try {
    expect(db.stats().readCache).toEqual({ entries: 0, bytes: 0 });
    const out = readAll(db, ranges, steps);
    expect(db.stats().readCache).toEqual({ entries: 0, bytes: 0 });
    return out;
  } finally {
    db.close();
  }
}

const buckets = (reads: Bucket[][]) => reads.reduce((n, r) => n + r.length, 0);

describe('tsdb reads through the decoded rollup cache', () => {
  it('answers repeated reads from the cache with what the tables hold, in every tier and over the live window', () => {
    const { db, file } = store();
    db.write(samples(T0, T0 + 3 * HOUR + 20 * MINUTE, 1));
    clock = T0 + 3 * HOUR + 20 * MINUTE;
    expect(db.seal(clock).windows).toBe(3);
    // Starts inside a window and a live tail: partial blocks at both ends, the head's window after them.
    const ranges: [number, number][] = [
      [T0, clock],
      [T0 + 25 * MINUTE, T0 + 2 * HOUR + 7 * MINUTE],
      [T0 + HOUR, T0 + DAY],
    ];
    const first = readAll(db, ranges);
    const cached = db.stats().readCache;
    expect(cached.entries).toBeGreaterThan(0);
    expect(cached.bytes).toBeGreaterThan(0);
    const again = readAll(db, ranges);
    // Nothing new was loaded: the second pass was all hits.
    expect(db.stats().readCache).toEqual(cached);
    expect(again).toEqual(first);
    expect(again).toEqual(readUncached(file, ranges));
    expect(buckets(again)).toBeGreaterThan(3 * 3 * 60);
  });

  it('lists the blocks of a range too long to look up block by block with SQL, and still decodes each once', () => {
    const { db, file } = store();
    // 60 one-hour windows of one sample a minute: more blocks than a read looks up one by one.
    db.write(samples(T0, T0 + 60 * HOUR, 2, MINUTE));
    clock = T0 + 60 * HOUR + 20 * MINUTE;
    db.seal(clock);
    const ranges: [number, number][] = [[T0 + 30 * MINUTE, T0 + 60 * HOUR]];
    const first = readAll(db, ranges, [MINUTE]);
    expect(buckets(first)).toBe(3 * (60 * 60 - 30));
    const cached = db.stats().readCache;
    expect(cached.entries).toBe(3 * 60);
    expect(readAll(db, ranges, [MINUTE])).toEqual(first);
    expect(db.stats().readCache).toEqual(cached);
    expect(first).toEqual(readUncached(file, ranges, [MINUTE]));
  });

  it('serves a sealed window rewritten by a late write from its new blocks, not the ones read before', () => {
    const { db, file } = store();
    db.write(samples(T0, T0 + 2 * HOUR, 3));
    clock = T0 + 2 * HOUR + 20 * MINUTE;
    db.seal(clock);
    const ranges: [number, number][] = [[T0, T0 + 2 * HOUR]];
    const before = readAll(db, ranges);

    // Backfill into the first (sealed, cached) window: new values at timestamps it did not have.
    expect(db.write(samples(T0 + 5_000, T0 + HOUR, 4)).written).toBeGreaterThan(0);
    const reopened = readAll(db, ranges);
    expect(reopened).not.toEqual(before);
    expect(reopened).toEqual(readUncached(file, ranges));

    // The seal merges them into the window's chunk and rewrites its 1 m block and the day's 1 h block.
    expect(db.seal(clock).windows).toBe(1);
    const after = readAll(db, ranges);
    expect(after).toEqual(reopened);
    expect(after).toEqual(readUncached(file, ranges));
  });

  it("replaces the day's cached 1 h block when the next window's seal rewrites it", () => {
    const { db, file } = store();
    const day: [number, number][] = [[T0, T0 + DAY]];
    db.write(samples(T0, T0 + HOUR, 5));
    clock = T0 + HOUR + 20 * MINUTE;
    db.seal(clock);
    const one = readAll(db, day, [HOUR]);
    expect(one.map((r) => r.length)).toEqual([1, 1, 1]);

    db.write(samples(T0 + HOUR, T0 + 2 * HOUR, 6));
    clock = T0 + 2 * HOUR + 20 * MINUTE;
    db.seal(clock);
    const two = readAll(db, day, [HOUR]);
    expect(two.map((r) => r.length)).toEqual([2, 2, 2]);
    expect(two.map((r) => r[0])).toEqual(one.map((r) => r[0]));
    expect(two).toEqual(readUncached(file, day, [HOUR]));
  });

  it('forgets the blocks retention deletes', () => {
    const { db, file } = store(undefined, { retention: { raw: '1d', '1m': '2d', '1h': '30d' } });
    db.write(samples(T0, T0 + 2 * HOUR, 7));
    clock = T0 + 2 * HOUR + 20 * MINUTE;
    db.seal(clock);
    const ranges: [number, number][] = [[T0, T0 + 2 * HOUR]];
    const minutes = readAll(db, ranges, [MINUTE]);
    expect(minutes.map((r) => r.length)).toEqual([120, 120, 120]);
    const hours = readAll(db, ranges, [HOUR]);
    const cached = db.stats().readCache.entries;

    // Retention as of three days later deletes the 1 m blocks (and the chunks) while reads still choose the 1 m tier.
    const result = db.applyRetention(T0 + 3 * DAY);
    expect(result.blocks).toBe(3 * 2 * 2);
    expect(db.stats().readCache.entries).toBeLessThan(cached);
    expect(readAll(db, ranges, [MINUTE])).toEqual([[], [], []]);
    expect(readUncached(file, ranges, [MINUTE])).toEqual([[], [], []]);
    // The 1 h blocks are kept, and still read.
    expect(readAll(db, ranges, [HOUR])).toEqual(hours);
  });

  it('keeps its decoded blocks within readCacheBytes, dropping what went unread longest, and answers the same', () => {
    const bound = 40_000;
    const { db, file } = store(undefined, { readCacheBytes: bound });
    db.write(samples(T0, T0 + 6 * HOUR, 8));
    clock = T0 + 6 * HOUR + 20 * MINUTE;
    db.seal(clock);
    const ranges: [number, number][] = [[T0, T0 + 6 * HOUR]];
    // 18 blocks of 60 buckets (~3 KiB decoded each) do not fit in 40 000 bytes.
    const first = readAll(db, ranges, [MINUTE]);
    const held = db.stats().readCache;
    expect(held.bytes).toBeLessThanOrEqual(bound);
    expect(held.entries).toBeGreaterThan(0);
    expect(held.entries).toBeLessThan(18);
    // The last series read is the most recently used: its newest hour is still there, reading it adds nothing.
    const energy = db.findSeries('gpu_energy_joules', [])[0]!.id;
    db.readBuckets(energy, T0 + 5 * HOUR, T0 + 6 * HOUR, MINUTE);
    expect(db.stats().readCache).toEqual(held);
    expect(readAll(db, ranges, [MINUTE])).toEqual(first);
    expect(db.stats().readCache.bytes).toBeLessThanOrEqual(bound);
    expect(first).toEqual(readUncached(file, ranges, [MINUTE]));
  });

  it('gives the same buckets as columns (what the engine reads) and as objects, and the engine the reference engine\'s answers', () => {
    const { db } = store();
    db.write(samples(T0, T0 + 2 * HOUR + 30 * MINUTE, 9));
    clock = T0 + 2 * HOUR + 30 * MINUTE;
    db.seal(clock);
    // Backfill reopens the first window: its buckets come from chunk + head, before the stored second window.
    db.write(samples(T0 + 3_000, T0 + 20 * MINUTE, 10));
    const ranges: [number, number][] = [
      [T0, clock],
      [T0 + 10 * MINUTE, T0 + 50 * MINUTE],
      [T0 + 70 * MINUTE, T0 + 2 * HOUR + 15 * MINUTE],
    ];
    let compared = 0;
    for (const [metric, gpu] of SERIES) {
      const id = db.findSeries(metric, [{ label: 'gpu', op: '=', value: gpu }])[0]!.id;
      for (const [start, end] of ranges) {
        for (const step of [1000, MINUTE, 5 * MINUTE, HOUR]) {
          const objects = db.readBuckets(id, start, end, step);
          const c = db.readColumns(id, start, end, step);
          const rows = Array.from({ length: c.length }, (_, i) => ({ ts: c.ts[i], min: c.min[i], max: c.max[i], sum: c.sum[i], count: c.count[i], first: c.first[i], last: c.last[i], increase: c.increase[i] }));
          expect(rows).toStrictEqual(objects);
          if (step >= MINUTE) expect(objects, `${metric} ${start} ${end} ${step}`).toStrictEqual(summarised(db, id, metric, start, end, step === HOUR ? HOUR : MINUTE));
          compared += objects.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(5_000);
    for (const agg of ['avg', 'max', 'increase', 'rate', 'last'] as const) {
      for (const over of [{}, { sumBy: ['node'] }, { groupBy: [] }]) {
        const q = { metric: agg === 'increase' || agg === 'rate' ? 'gpu_energy_joules' : 'gpu_power_watts', matchers: [], start: T0 + 7 * MINUTE, end: clock, step: 5 * MINUTE, agg, ...over };
        expect(runQuery(db, q)).toStrictEqual(referenceQuery(db, q));
      }
    }
  });

  /** What the rollups of [start, end) are by definition: each window's raw samples (chunk and head) summarised. */
  function summarised(db: Tsdb, id: number, metric: string, start: number, end: number, resolution: number): Bucket[] {
    const out: Bucket[] = [];
    for (let w = Math.floor(start / HOUR) * HOUR; w < end; w += HOUR) {
      const s = db.readSamples(id, w, w + HOUR);
      for (const b of computeBuckets(s.ts, s.values, 0, s.ts.length, resolution, isCounter(metric))) if (b.ts >= start && b.ts < end) out.push(b);
    }
    return out;
  }

  it('refuses a read cache bound that is not a whole number of bytes', () => {
    for (const readCacheBytes of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => openTsdb(tmpDbPath(), { readCacheBytes })).toThrow(/readCacheBytes/);
    }
  });
});
