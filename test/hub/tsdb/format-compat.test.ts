import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_FORMAT_V1, CHUNK_FORMAT_V2 } from '../../../hub/tsdb/chunk.js';
import { HOUR, MINUTE } from '../../../hub/tsdb/options.js';
import { ROLLUP_FORMAT_V1, ROLLUP_FORMAT_V2 } from '../../../hub/tsdb/rollup-block.js';
import { openTsdb, type Tsdb } from '../../../hub/tsdb/store.js';
import { V1_FILE, V1_NOW, V1_START, v1Rows } from './fixtures/v1-rows.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';

// fixtures/v1.tsdb was written by the store before shared timestamp columns (user_version 1, make-v1-file.ts):
// chunks 0x01 with their own timestamps, rollup blocks 0x02 with varint value columns, a rowid series table
// with UNIQUE (metric, labels), and two minutes of head log. Today's code must open it and read it all back.
let clock = V1_NOW;
const stores = new OpenStores();
const isCounter = (m: string) => m === 'gpu_energy_joules';

function openCopy(): { db: Tsdb; file: string } {
  const file = tmpDbPath();
  copyFileSync(V1_FILE, file);
  const db = openTsdb(file, { isCounter, now: () => clock });
  return stores.track(db, file);
}

afterEach(() => {
  stores.closeAndCheck();
  clock = V1_NOW;
});

const formats = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT DISTINCT unicode(CAST(substr(data, 1, 1) AS TEXT)) FROM ${table} ORDER BY 1`).pluck().all() as number[];
  } finally {
    db.close();
  }
};

/** Raw samples and 1 m / 1 h buckets of every series over the fixture's span, keyed by series. */
function everything(db: Tsdb) {
  const out: Record<string, unknown> = {};
  const end = V1_START + 2 * HOUR;
  for (const metric of new Set(v1Rows().map((r) => r.metric))) {
    for (const ref of db.findSeries(metric, [])) {
      const s = db.readSamples(ref.id, V1_START, end);
      out[`${metric}${JSON.stringify(ref.labels)}`] = {
        // Bit patterns, so NaN, -0 and Infinity compare exactly.
        raw: [...s.ts].map((t, i) => [t, Buffer.from(new Float64Array([s.values[i]!]).buffer).toString('hex')]),
        minutes: db.readBuckets(ref.id, V1_START, end, MINUTE),
        hours: db.readBuckets(ref.id, V1_START, end, HOUR),
      };
    }
  }
  return out;
}

describe('a file written before shared timestamp columns (format v1)', () => {
  it('opens, migrates, and reads every sample and bucket back as a store written today from the same rows', () => {
    const { db, file } = openCopy();
    expect(formats(file, 'chunks')).toEqual([CHUNK_FORMAT_V1]);
    expect(formats(file, 'rollup_1m')).toEqual([ROLLUP_FORMAT_V1]);
    expect(db.stats().headSamples).toBe(120 * 13);

    const freshFile = tmpDbPath();
    const { db: fresh } = stores.track(openTsdb(freshFile, { isCounter, now: () => clock }), freshFile);
    const rows = v1Rows();
    for (let i = 0; i < rows.length; i += 500) fresh.write(rows.slice(i, i + 500));
    fresh.seal(V1_NOW);
    const want = everything(fresh);
    expect(Object.keys(want)).toHaveLength(13);
    expect(everything(db)).toEqual(want);
    fresh.close();

    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    raw.close();
  });

  it('merges backfill into an old chunk and writes it in the new format, losing nothing', () => {
    const { db, file } = openCopy();
    const before = everything(db);
    const ref = db.findSeries('special', [])[0]!;
    // Before the fixture's first sample: a new one in a sealed v1 window.
    db.write([{ metric: 'special', labels: ref.labels, ts: V1_START, value: -0 }]);
    clock = V1_START + 3 * HOUR;
    db.flush();
    expect(formats(file, 'chunks')).toEqual([CHUNK_FORMAT_V1, CHUNK_FORMAT_V2]);
    expect(formats(file, 'rollup_1m')).toEqual([ROLLUP_FORMAT_V1, ROLLUP_FORMAT_V2]);
    const after = everything(db) as Record<string, { raw: unknown[] }>;
    db.close();
    const reopened = openTsdb(file, { isCounter, now: () => clock });
    stores.track(reopened, file);
    expect(everything(reopened)).toEqual(after);

    const key = `special${JSON.stringify(ref.labels)}`;
    expect(after[key]!.raw[0]).toEqual([V1_START, '0000000000000080']);
    after[key]!.raw.shift();
    for (const k of Object.keys(before)) expect(after[k]!.raw, k).toEqual((before[k] as { raw: unknown[] }).raw);
  });
});
