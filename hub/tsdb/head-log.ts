import type Database from 'better-sqlite3';
import { endianness } from 'node:os';

/**
 * The durable side of the head: one append-only table per chunk window,
 * `head_<window start ms>` (rowid, samples BLOB), one row per write() and
 * window, the samples packed as little-endian float64 triples (series id,
 * ts, value) — a write-ahead record, as in Prometheus' WAL. Appending one
 * blob to a rowid table costs one statement and touches only the table's
 * last pages, whatever the number of series; a row per sample keyed by
 * (series_id, ts) dirtied one page per series per commit (about 4 KiB of
 * WAL per sample for a one-message transaction) and ran 4x slower.
 * Float64 keeps every value bit-exact (NaN, -0), which SQLite's REAL does
 * not. Once a window is sealed its records go a few MiB at a time, whole
 * blobs (~0.7 ms a MiB), and the empty table is dropped: a DROP of a full
 * hour's table (1 GB for 12 000 series at 1 Hz) held the thread ~300 ms,
 * and a per-sample table's DELETE of millions of rows took seconds.
 */
export class HeadLog {
  private readonly tables = new Set<number>();
  private readonly inserts = new Map<number, Database.Statement<[Buffer]>>();
  private created: number[] = [];

  constructor(private readonly db: Database.Database) {
    // Float64Array is host-endian; every platform Node ships for is little-endian, and the format says so.
    if (endianness() !== 'LE') throw new Error('tsdb head log needs a little-endian host');
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'head_[0-9]*'").pluck().all() as string[];
    for (const name of names) this.tables.add(Number(name.slice('head_'.length)));
  }

  /** Windows that have a head table, oldest first. */
  windows(): number[] {
    return [...this.tables].sort((a, b) => a - b);
  }

  private statement(window: number): Database.Statement<[Buffer]> {
    let st = this.inserts.get(window);
    if (!st) {
      const table = tableName(window);
      if (!this.tables.has(window)) {
        this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY, samples BLOB NOT NULL)`);
        this.tables.add(window);
        this.created.push(window);
      }
      st = this.db.prepare<[Buffer]>(`INSERT INTO ${table} (samples) VALUES (?)`);
      this.inserts.set(window, st);
    }
    return st;
  }

  /** Appends one record of samples packed as [series_id, ts, value, ...]; call inside the write transaction. */
  append(window: number, packed: Float64Array): void {
    this.statement(window).run(Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength));
  }

  /** Samples of a window's table in the order they were written. */
  *replay(window: number): Generator<[seriesId: number, ts: number, value: number]> {
    const rows = this.db.prepare(`SELECT samples FROM ${tableName(window)} ORDER BY id`).pluck().iterate() as Iterable<Buffer>;
    for (const blob of rows) {
      if (blob.byteLength % 24 !== 0) throw new Error(`corrupt head record in ${tableName(window)}`);
      // Copy: a Buffer's offset inside its pool need not be 8-byte aligned.
      const triples = new Float64Array(Uint8Array.prototype.slice.call(blob).buffer);
      for (let i = 0; i < triples.length; i += 3) yield [triples[i]!, triples[i + 1]!, triples[i + 2]!];
    }
  }

  /** Id of the window's newest record (0 when it has none): what a seal starting now may delete once it sealed it. */
  lastRecord(window: number): number {
    return (this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${tableName(window)}`).pluck().get() as number);
  }

  /**
   * Deletes the window's oldest records with id <= `upTo`: at most
   * `maxRecords`, and no more than `maxBytes` of samples unless the first
   * record alone is larger. One statement, so atomic. Records written after
   * `upTo` (during a sliced seal) stay: their samples may not be sealed.
   */
  deleteOldest(window: number, upTo: number, maxRecords: number, maxBytes: number): { records: number; bytes: number } {
    const table = tableName(window);
    // length() of a blob is read from the record header: the overflow pages holding the samples are not read.
    const rows = this.db.prepare(`SELECT id, length(samples) AS bytes FROM ${table} WHERE id <= ? ORDER BY id LIMIT ?`).all(upTo, maxRecords) as { id: number; bytes: number }[];
    let records = 0;
    let bytes = 0;
    while (records < rows.length && (records === 0 || bytes + rows[records]!.bytes <= maxBytes)) bytes += rows[records++]!.bytes;
    if (records > 0) this.db.prepare(`DELETE FROM ${table} WHERE id <= ?`).run(rows[records - 1]!.id);
    return { records, bytes };
  }

  /** Drops a window's table once it holds nothing that still needs it (cheap once deleteOldest emptied it but for a record). */
  drop(window: number): void {
    this.db.exec(`DROP TABLE IF EXISTS ${tableName(window)}`);
  }

  /** Forgets a dropped table once its transaction committed. */
  forget(window: number): void {
    this.tables.delete(window);
    this.inserts.delete(window);
  }

  /** The transaction that created tables rolled back: they no longer exist. */
  rollback(): void {
    for (const window of this.created) this.forget(window);
    this.created = [];
  }

  /** The transaction committed: its new tables are here to stay. */
  commit(): void {
    this.created = [];
  }
}

function tableName(window: number): string {
  if (!Number.isSafeInteger(window) || window < 0) throw new Error(`invalid head window ${window}`);
  return `head_${window}`;
}
