import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../../hub/tsdb/options.js';
import {
  runSliced,
  SLICE_MS,
  STEP_EXPIRE_COLUMNS,
  STEP_EXPIRE_SERIES,
  STEP_LOG_BYTES,
  STEP_LOG_RECORDS,
  STEP_SAMPLES,
  STEP_SERIES,
  STEP_VACUUM_PAGES,
  type MaintenanceStep,
} from '../../../hub/tsdb/steps.js';
import { openTsdb, type Tsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';
import { prng } from './helpers/workload.js';

// 2026-01-05T00:00:00Z: the window being sealed is [T0, T0 + 1 h); the clock sits in the next one.
const T0 = Date.UTC(2026, 0, 5);
const NOW = T0 + HOUR + 30 * MINUTE;
const SERIES = 12;

const stores = new OpenStores();

function store(file = tmpDbPath()) {
  const db = openTsdb(file, { now: () => NOW, isCounter: (m) => m.endsWith('_total') });
  return stores.track(db, file);
}

afterEach(() => {
  stores.closeAndCheck();
});

/** What every series should hold: `${series}/${ts}` -> value, the first value written for a (series, ts). */
type Expected = Map<string, number>;

const metricOf = (s: number) => (s % 2 === 0 ? 'test_power_watts' : 'test_energy_total');
const row = (s: number | string, ts: number, value: number): TsdbRow => ({ metric: metricOf(typeof s === 'number' ? s : 0), labels: { idx: String(s) }, ts, value });

/** Writes one batch per second of [from, to) for every series (one head-log record each), every `every` ms; records it in `expected`. */
function fill(db: Tsdb, expected: Expected, from: number, to: number, every = 1000): void {
  const rnd = prng(from);
  for (let ts = from; ts < to; ts += every) {
    const rows = Array.from({ length: SERIES }, (_, s) => row(s, ts, Math.round(rnd() * 70000) / 100));
    db.write(rows);
    for (const r of rows) expected.set(`${r.labels!.idx}/${ts}`, r.value);
  }
}

/** Writes a row and records it unless the series already has a sample at its ts (the first value stays). */
function writeLate(db: Tsdb, expected: Expected, r: TsdbRow): void {
  db.write([r]);
  const key = `${r.labels!.idx}/${r.ts}`;
  if (!expected.has(key)) expected.set(key, r.value);
}

function allSeries(db: Tsdb) {
  return [...db.findSeries('test_power_watts', []), ...db.findSeries('test_energy_total', [])];
}

/** Every stored sample, keyed like Expected; fails on a sample read twice. */
function stored(db: Tsdb): Expected {
  const out: Expected = new Map();
  for (const ref of allSeries(db)) {
    const s = db.readSamples(ref.id, 0, 1e13);
    s.ts.forEach((t, i) => {
      const key = `${ref.labels.idx}/${t}`;
      expect(out.has(key), `${key} read twice`).toBe(false);
      out.set(key, s.values[i]!);
    });
  }
  return out;
}

/** What a dashboard reads: raw samples, 1 m and 1 h buckets of every series over the last two hours. */
function reads(db: Tsdb) {
  return allSeries(db).map((ref) => ({
    series: ref.labels.idx,
    raw: Array.from(db.readSamples(ref.id, T0 - HOUR, T0 + 2 * HOUR).values),
    minutes: db.readBuckets(ref.id, T0 - HOUR, T0 + 2 * HOUR, MINUTE),
    hours: db.readBuckets(ref.id, T0 - HOUR, T0 + 2 * HOUR, HOUR),
  }));
}

/** Reads the file through a second connection, as it is on disk (committed transactions only). */
function inspect<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const headTables = (file: string) => inspect(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'head_*' ORDER BY name").pluck().all() as string[]);
const freePages = (file: string) => inspect(file, (db) => db.pragma('freelist_count', { simple: true }) as number);

describe('tsdb maintenance in bounded steps', () => {
  it('answers every read between two steps of a seal exactly as before it, in every tier', { timeout: 120_000 }, () => {
    const { db } = store();
    const expected: Expected = new Map();
    fill(db, expected, T0, T0 + HOUR);
    fill(db, expected, T0 + HOUR, NOW, 10_000);
    const before = reads(db);
    const tasks: string[] = [];
    for (const step of db.maintenance(NOW)) {
      tasks.push(step.task);
      expect(reads(db), `after step ${tasks.length} (${step.task})`).toEqual(before);
    }
    // The window was sealed in several steps, then its head log deleted in several more.
    expect(tasks.filter((t) => t === 'seal').length).toBeGreaterThanOrEqual((SERIES * 3600) / STEP_SAMPLES);
    expect(tasks.filter((t) => t === 'log').length).toBeGreaterThan(1);
    expect(db.stats().headSamples).toBe(SERIES * 180);
    expect(stored(db)).toEqual(expected);
  });

  it('keeps each step within its structural bound, and the seal steps add up to the whole window', { timeout: 120_000 }, () => {
    const { db, file } = store();
    const expected: Expected = new Map();
    fill(db, expected, T0, T0 + HOUR);
    const headBefore = db.stats().headSamples;
    const steps: MaintenanceStep[] = [...db.maintenance(NOW)];
    let sealed = 0;
    for (const step of steps) {
      switch (step.task) {
        case 'seal':
        case 'discard':
          expect(step.series).toBeLessThanOrEqual(STEP_SERIES);
          if (step.series > 1) expect(step.samples).toBeLessThanOrEqual(STEP_SAMPLES);
          sealed += step.samples;
          break;
        case 'log':
          expect(step.records).toBeLessThanOrEqual(STEP_LOG_RECORDS);
          if (step.records > 1) expect(step.bytes).toBeLessThanOrEqual(STEP_LOG_BYTES);
          break;
        case 'expire':
        case 'drop-empty':
          expect(step.series).toBeLessThanOrEqual(STEP_EXPIRE_SERIES);
          break;
        case 'expire-timestamps':
          expect(step.columns).toBeLessThanOrEqual(STEP_EXPIRE_COLUMNS);
          break;
        case 'vacuum':
          expect(step.pages).toBeLessThanOrEqual(STEP_VACUUM_PAGES);
      }
    }
    expect(sealed).toBe(headBefore);
    // 3600 records of 12 samples: two log steps by the record bound; the newest record goes with the table.
    expect(steps.filter((s) => s.task === 'log').map((s) => (s as { records: number }).records)).toEqual([STEP_LOG_RECORDS, 3600 - STEP_LOG_RECORDS - 1]);
    // The freed head-log pages went back in vacuum steps.
    expect(steps.some((s) => s.task === 'vacuum')).toBe(true);
    expect(freePages(file)).toBe(0);
    expect(headTables(file)).toEqual([]);
    expect(stored(db)).toEqual(expected);
  });

  it('keeps what is written into the window while it is sealed: nothing lost, nothing doubled, also after a restart', { timeout: 120_000 }, () => {
    const { db, file } = store();
    const expected: Expected = new Map();
    // Even seconds now; odd seconds arrive as backfill between the steps.
    fill(db, expected, T0, T0 + HOUR, 2000);
    let k = 0;
    for (const step of db.maintenance(NOW)) {
      if (step.task !== 'seal' && step.task !== 'log') continue;
      const ts = T0 + (2 * k + 1) * 1000;
      // Into sealed and not yet sealed series alike, a series the window did not have, and a rewrite of a sealed sample.
      for (let s = 0; s < SERIES; s++) writeLate(db, expected, row(s, ts, k + s / 100));
      writeLate(db, expected, row(`late-${k}`, ts, k));
      writeLate(db, expected, row(k % SERIES, T0, -1));
      k++;
      expect(stored(db)).toEqual(expected);
    }
    expect(k).toBeGreaterThanOrEqual(4);
    // The records written meanwhile keep the window's head table for the next seal.
    expect(headTables(file)).toEqual([`head_${T0}`]);

    db.close();
    const reopened = store(file).db;
    expect(stored(reopened)).toEqual(expected);
    reopened.seal(NOW);
    expect(stored(reopened)).toEqual(expected);
    expect(reopened.stats().headSamples).toBe(0);
    for (const ref of allSeries(reopened)) {
      const count = reopened.readBuckets(ref.id, T0, T0 + HOUR, MINUTE).reduce((n, b) => n + b.count, 0);
      expect(count, `1 m buckets of ${ref.labels.idx}`).toBe([...expected.keys()].filter((key) => key.startsWith(`${ref.labels.idx}/`)).length);
    }
    reopened.close();
    expect(headTables(file)).toEqual([]);
  });

  it('loses and doubles nothing when it stops after any step (each step commits) and the store is reopened', { timeout: 120_000 }, () => {
    const prepare = () => {
      const { db, file } = store();
      const expected: Expected = new Map();
      fill(db, expected, T0, T0 + HOUR, 4000);
      return { db, file, expected };
    };
    const first = prepare();
    const total = [...first.db.maintenance(NOW)].length;
    expect(total).toBeGreaterThan(4);
    for (let stopAfter = 0; stopAfter < total; stopAfter++) {
      const { db, file, expected } = prepare();
      const steps = db.maintenance(NOW);
      for (let i = 0; i < stopAfter; i++) steps.next();
      // Abandoned mid-run: whatever the steps committed is all the file has.
      db.close();
      const reopened = store(file).db;
      expect(stored(reopened), `stopped after ${stopAfter} of ${total} steps`).toEqual(expected);
      reopened.seal(NOW);
      expect(stored(reopened), `sealed after stopping at ${stopAfter}`).toEqual(expected);
      expect(reopened.stats().headSamples).toBe(0);
    }
  });

  it('keeps a write that lands right after the step that deleted the window\'s last sealed records (no reused record id)', { timeout: 120_000 }, () => {
    const { db, file } = store();
    const expected: Expected = new Map();
    // 600 records: one log step takes them all.
    fill(db, expected, T0, T0 + 10 * MINUTE);
    let late = 0;
    for (const step of db.maintenance(NOW)) {
      if (step.task === 'log' && late++ === 0) writeLate(db, expected, row(0, T0 + 30 * MINUTE, 1));
    }
    expect(late).toBeGreaterThan(0);
    expect(headTables(file)).toEqual([`head_${T0}`]);
    db.close();
    const reopened = store(file).db;
    expect(stored(reopened)).toEqual(expected);
  });

  it('refuses a second maintenance, seal, flush or retention while one is running, and allows them once it is aborted', async () => {
    const { db } = store();
    fill(db, new Map(), T0, T0 + HOUR, 10_000);
    const steps = db.maintenance(NOW);
    steps.next();
    expect(() => db.seal(NOW)).toThrow(/maintenance is running/);
    expect(() => db.flush()).toThrow(/maintenance is running/);
    expect(() => db.applyRetention(NOW)).toThrow(/maintenance is running/);
    expect(() => db.maintenance(NOW).next()).toThrow(/maintenance is running/);
    await expect(db.maintain(NOW)).rejects.toThrow(/maintenance is running/);

    const abort = new AbortController();
    abort.abort(new Error('hub stopping'));
    await expect(runSliced(steps, abort.signal)).rejects.toThrow('hub stopping');
    expect(db.seal(NOW).windows).toBe(1);
  });

  it('gives the event loop back between slices, and stops between steps when aborted', async () => {
    const order: string[] = [];
    const abort = new AbortController();
    // Each step outlasts a slice by itself (it spins until 2 slices' time passed), so every step ends a slice.
    function* slow(): Generator<MaintenanceStep, string> {
      for (let i = 0; i < 6; i++) {
        const until = performance.now() + 2 * SLICE_MS;
        while (performance.now() < until);
        order.push(`step ${i}`);
        if (i === 3) abort.abort(new Error('stop'));
        yield { task: 'vacuum', pages: 1 };
      }
      return 'done';
    }
    let turns = 0;
    const tick = () => {
      order.push(`turn ${turns++}`);
      if (turns < 10) setImmediate(tick);
    };
    setImmediate(tick);
    await expect(runSliced(slow(), abort.signal)).rejects.toThrow('stop');
    expect(order.slice(0, 8)).toEqual(['step 0', 'turn 0', 'step 1', 'turn 1', 'step 2', 'turn 2', 'step 3', 'turn 3']);
    expect(order).not.toContain('step 4');

    order.length = 0;
    await expect(runSliced(slow())).resolves.toBe('done');
    expect(order.filter((e) => e.startsWith('step'))).toHaveLength(6);
  });
});
