import type Database from 'better-sqlite3';
import type { Tier } from './options.js';

/** A stored block: a raw chunk or a rollup block, keyed by series and start. */
export interface BlockRow {
  start: number;
  data: Uint8Array;
}

/** Told of each change to a stored block before its SQL runs (rollup-cache.ts drops what it kept of it). */
export interface BlockChanges {
  /** The block of (tier, seriesId, start) is written or replaced. */
  put(tier: Tier, seriesId: number, start: number): void;
  /** The series' blocks of the tier that start before `before` are deleted. */
  expire(tier: Tier, seriesId: number, before: number): void;
}

const TABLE: Record<Tier, string> = { raw: 'chunks', '1m': 'rollup_1m', '1h': 'rollup_1h' };

/**
 * Reads and writes the three block tables (raw chunks, 1 m and 1 h rollup
 * blocks), all shaped (series_id, start, count, data) with the primary key
 * (series_id, start). SQL only; the bytes are chunk.ts' and rollup-block.ts'.
 */
export class BlockTables {
  private readonly st: Record<
    Tier,
    {
      get: Database.Statement<[number, number]>;
      put: Database.Statement<[number, number, number, Uint8Array]>;
      range: Database.Statement<[number, number, number]>;
      expire: Database.Statement<[number, number]>;
      any: Database.Statement<[number]>;
    }
  >;

  /** `changes` hears of every put and expire: they are the only statements that change a block. */
  constructor(
    db: Database.Database,
    private readonly changes?: BlockChanges,
  ) {
    const make = (table: string) => ({
      get: db.prepare<[number, number]>(`SELECT start, data FROM ${table} WHERE series_id = ? AND start = ?`),
      put: db.prepare<[number, number, number, Uint8Array]>(`INSERT OR REPLACE INTO ${table} (series_id, start, count, data) VALUES (?, ?, ?, ?)`),
      range: db.prepare<[number, number, number]>(`SELECT start, data FROM ${table} WHERE series_id = ? AND start >= ? AND start < ? ORDER BY start`),
      expire: db.prepare<[number, number]>(`DELETE FROM ${table} WHERE series_id = ? AND start < ?`),
      any: db.prepare<[number]>(`SELECT 1 FROM ${table} WHERE series_id = ? LIMIT 1`),
    });
    this.st = { raw: make(TABLE.raw), '1m': make(TABLE['1m']), '1h': make(TABLE['1h']) };
  }

  get(tier: Tier, seriesId: number, start: number): BlockRow | undefined {
    return this.st[tier].get.get(seriesId, start) as BlockRow | undefined;
  }

  /** Inserts or replaces a block; `count` is its samples (raw) or buckets (rollups), for stats. */
  put(tier: Tier, seriesId: number, start: number, count: number, data: Uint8Array): void {
    this.changes?.put(tier, seriesId, start);
    this.st[tier].put.run(seriesId, start, count, data);
  }

  /** Blocks with start in [from, to), oldest first. */
  range(tier: Tier, seriesId: number, from: number, to: number): BlockRow[] {
    return this.st[tier].range.all(seriesId, from, to) as BlockRow[];
  }

  /** Deletes the series' blocks that start before `before`; returns how many. */
  expire(tier: Tier, seriesId: number, before: number): number {
    this.changes?.expire(tier, seriesId, before);
    return this.st[tier].expire.run(seriesId, before).changes;
  }

  /** Whether the series has any block in the tier. */
  has(tier: Tier, seriesId: number): boolean {
    return this.st[tier].any.get(seriesId) !== undefined;
  }
}

/**
 * Table DDL of a new file, used by schema.ts. Raw chunks live in a rowid
 * table: SQLite keeps the tail of a large cell in the leaf page there and
 * fills its overflow pages completely, where an index b-tree (WITHOUT
 * ROWID) leaves the last overflow page of every large chunk half empty
 * (measured with 5 KiB chunks: 1.94 vs 1.39 bytes a sample for the chunks
 * table, bench/tsdb-storage.ts); the primary key is then a separate index
 * of ~20 bytes a block. Rollup blocks (~250 bytes for 1 m, less for 1 h)
 * fit an index b-tree's cells whole, so their tables are WITHOUT ROWID and
 * skip that index (issue 20's data set: 0.476 -> 0.467 B a sample). Files
 * created before user_version 2 keep rowid rollup tables: same columns,
 * same statements.
 */
export function blockTableSql(): string {
  return Object.entries(TABLE)
    .map(
      ([tier, t]) => `CREATE TABLE ${t} (
        series_id INTEGER NOT NULL,
        start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (series_id, start)
      )${tier === 'raw' ? '' : ' WITHOUT ROWID'};`,
    )
    .join('\n');
}
