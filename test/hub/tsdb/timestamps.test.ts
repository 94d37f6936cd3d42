import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../../hub/tsdb/options.js';
import { STEP_EXPIRE_COLUMNS } from '../../../hub/tsdb/steps.js';
import { openTsdb, type Tsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';
import { Fleet } from './helpers/workload.js';

// Shared timestamp columns (hub/tsdb/timestamps.ts): one per node and window, referenced by the node's chunks.
const T0 = Date.UTC(2026, 0, 5);
let clock = T0;
const stores = new OpenStores();

function store(file = tmpDbPath(), retention: Record<string, string> = {}) {
  const db = openTsdb(file, { now: () => clock, retention, isCounter: (m) => m === 'gpu_energy_joules' });
  return stores.track(db, file);
}

afterEach(() => {
  stores.closeAndCheck();
  clock = T0;
});

const columns = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT start, count(*) AS n FROM timestamps GROUP BY start ORDER BY start').all() as { start: number; n: number }[];
  } finally {
    db.close();
  }
};

/** Writes `seconds` ticks of the fleet, one write per tick; returns every row by series key. */
function writeFleet(db: Tsdb, fleet: Fleet, seconds: number, written: Map<string, TsdbRow[]>): void {
  for (let s = 0; s < seconds; s++) {
    const rows = fleet.next();
    db.write(rows);
    for (const r of rows) {
      const key = `${r.metric}${JSON.stringify(r.labels)}`;
      const list = written.get(key) ?? [];
      list.push(r);
      written.set(key, list);
    }
  }
}

/** Every series' samples in [from, to) equal what was written, bit for bit. */
function expectReadsBack(db: Tsdb, written: Map<string, TsdbRow[]>, from: number, to: number): void {
  for (const [key, rows] of written) {
    const want = rows.filter((r) => r.ts >= from && r.ts < to);
    const got = db.readSamples(want[0]?.seriesId ?? rows[0]!.seriesId!, from, to);
    expect([...got.ts], key).toEqual(want.map((r) => r.ts));
    expect([...got.values], key).toEqual(want.map((r) => r.value));
  }
}

describe('shared timestamp columns', () => {
  it('stores one column per node and window, shared by the ~100 series of the node, and reads every series back exactly', () => {
    const { db, file } = store();
    const fleet = new Fleet(3, 2, T0, 4, 12);
    const written = new Map<string, TsdbRow[]>();
    writeFleet(db, fleet, 2 * 3600, written);
    clock = T0 + 2 * HOUR + 11 * MINUTE;
    expect(db.seal(clock).chunks).toBe(2 * 3 * 2 * 12);
    // 3 nodes x 2 windows, for 144 chunks.
    expect(columns(file)).toEqual([
      { start: T0, n: 3 },
      { start: T0 + HOUR, n: 3 },
    ]);
    expectReadsBack(db, written, T0, T0 + 2 * HOUR);
    db.close();
    // Reopened: nothing cached, every column read from the table.
    expectReadsBack(store(file).db, written, T0, T0 + 2 * HOUR);
  });

  it('gives a chunk rewritten by backfill a column of its own and keeps the one its node still uses', () => {
    const { db, file } = store();
    const fleet = new Fleet(1, 1, T0 + 1000, 5, 12);
    const written = new Map<string, TsdbRow[]>();
    writeFleet(db, fleet, 600, written);
    clock = T0 + HOUR + 11 * MINUTE;
    db.seal(clock);
    expect(columns(file)).toEqual([{ start: T0, n: 1 }]);
    // A sample at T0 for one series only: its timestamps now differ from the node's.
    const late: TsdbRow = { metric: 'gpu_power_watts', labels: written.values().next().value![0]!.labels, ts: T0, value: -0 };
    db.write([late]);
    db.seal(clock);
    expect(columns(file)).toEqual([{ start: T0, n: 2 }]);
    const list = written.get(`gpu_power_watts${JSON.stringify(late.labels)}`)!;
    list.unshift({ ...late, seriesId: list[0]!.seriesId });
    expect(Object.is(db.readSamples(list[0]!.seriesId!, T0, T0 + 1).values[0], -0)).toBe(true);
    expectReadsBack(db, written, T0, T0 + HOUR);
  });

  it('deletes a window’s columns with its chunks, in bounded steps, and never a column a chunk still refers to', () => {
    const { db, file } = store(undefined, { raw: '2h' });
    // 200 series of distinct cadences: 200 columns in the first window, 1 shared one in the second.
    const rows = (from: number, offset: (s: number) => number) =>
      Array.from({ length: 200 }, (_, s) => Array.from({ length: 3 }, (_, i): TsdbRow => ({ metric: 'm', labels: { s: String(s) }, ts: from + i * 1000 + offset(s), value: s + i / 4 }))).flat();
    db.write(rows(T0, (s) => s));
    db.write(rows(T0 + HOUR, () => 0));
    clock = T0 + 2 * HOUR + 11 * MINUTE;
    db.seal(clock);
    expect(columns(file)).toEqual([
      { start: T0, n: 200 },
      { start: T0 + HOUR, n: 1 },
    ]);

    // Raw cutoff T0 + 1 h: the first window's chunks and columns go, the second's stay and read back.
    clock = T0 + 3 * HOUR + 30 * MINUTE;
    const steps = [...db.maintenance(clock)].filter((s) => s.task === 'expire-timestamps');
    expect(steps).toEqual([
      { task: 'expire-timestamps', columns: STEP_EXPIRE_COLUMNS },
      { task: 'expire-timestamps', columns: 200 - STEP_EXPIRE_COLUMNS },
    ]);
    expect(columns(file)).toEqual([{ start: T0 + HOUR, n: 1 }]);
    for (const ref of db.findSeries('m', [])) {
      const s = Number(ref.labels.s);
      const got = db.readSamples(ref.id, T0, T0 + 2 * HOUR);
      expect([...got.ts]).toEqual([0, 1, 2].map((i) => T0 + HOUR + i * 1000));
      expect([...got.values]).toEqual([0, 1, 2].map((i) => s + i / 4));
    }

    clock = T0 + 5 * HOUR;
    expect(db.applyRetention(clock).timestampColumns).toBe(1);
    expect(columns(file)).toEqual([]);
  });
});
