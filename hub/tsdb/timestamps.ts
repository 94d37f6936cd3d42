import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { BoundedCache } from '../../shared/bounded-cache.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { readValues, writeValues } from './columns.js';
import { CODEC_BROTLI, packBlock, unpackBlock } from './compress.js';

/** Block format byte of a timestamp column (docs/tsdb.md). */
export const TIMESTAMPS_FORMAT = 0x04;

/** Where a chunk's timestamps come from: what decodeChunk needs besides the chunk. */
export interface TimestampSource {
  get(ref: number): Float64Array;
}

/**
 * Decoded columns kept (BoundedCache: a working set of half of it always
 * stays): one per node of a 1 h query over 256 nodes, 28 KiB each at 1 Hz,
 * 14 MiB at most.
 */
const CACHE_COLUMNS = 512;

/**
 * The `timestamps` table: each distinct timestamp column of a window stored
 * once, keyed by a 48-bit hash of its encoded bytes, and referenced by the
 * chunks that have exactly those timestamps. An agent stamps one timestamp
 * per tick on every sample of its node, so the ~100 series of a node share
 * one column instead of paying a byte a sample each for jittered ms
 * timestamps. A column is written in the transaction of the first chunk
 * that refers to it (the seal step), and deleted by retention only with its
 * window (`start`), when every chunk of that window is gone; a column no
 * chunk refers to any more (backfill rewrote them) waits for that too.
 */
export class TimestampColumns implements TimestampSource {
  private readonly cache = new BoundedCache<number, Float64Array>(CACHE_COLUMNS);
  /** The last column put and its encoding: a seal goes through a node's series one after another, all with that column. */
  private last: { ts: Float64Array; payload: Uint8Array; hash: number } | undefined;
  private readonly st: {
    get: Database.Statement<[number]>;
    put: Database.Statement<[number, number, Uint8Array]>;
    expire: Database.Statement<[number, number]>;
  };

  constructor(db: Database.Database) {
    this.st = {
      get: db.prepare<[number]>('SELECT data FROM timestamps WHERE id = ?').pluck(),
      put: db.prepare<[number, number, Uint8Array]>('INSERT INTO timestamps (id, start, data) VALUES (?, ?, ?)'),
      expire: db.prepare<[number, number]>('DELETE FROM timestamps WHERE id IN (SELECT id FROM timestamps WHERE start < ? LIMIT ?)'),
    };
  }

  /**
   * The reference of the column equal to `ts` (window `start`), inserting it
   * when there is none; call inside the transaction that writes the chunk
   * referring to it. Two different columns with one hash (odds ~ 10^-6 over
   * a week of a 125-node fleet) take the next free key.
   */
  put(start: number, ts: Float64Array): number {
    for (let i = 1; i < ts.length; i++) {
      if (!(ts[i]! > ts[i - 1]!)) throw new Error('tsdb timestamp column must be strictly increasing');
    }
    // Encoding and hashing only (no database state), so reusing them is exact.
    if (!this.last || !sameColumn(this.last.ts, ts)) {
      const w = new ByteWriter();
      w.uvarint(ts.length);
      // As a value column: byte planes of the deltas, ~0.5 byte a timestamp with 0-7 ms of jitter, where
      // delta-of-delta varints take a byte.
      writeValues(w, ts, ts.length);
      const payload = w.finish();
      this.last = { ts: ts.slice(), payload, hash: hash48(payload) };
    }
    const { payload, hash } = this.last;
    for (let ref = hash; ; ref = (ref + 1) % 2 ** 48) {
      const stored = this.st.get.get(ref) as Uint8Array | undefined;
      if (stored === undefined) {
        this.st.put.run(ref, start, packBlock(TIMESTAMPS_FORMAT, payload, CODEC_BROTLI));
        return ref;
      }
      if (sameColumn(this.decoded(ref, stored), ts)) return ref;
    }
  }

  /** The column `ref`; a copy, since callers may keep or change what a read returns. */
  get(ref: number): Float64Array {
    return this.decoded(ref).slice();
  }

  /** Deletes up to `limit` columns of windows starting before `before`; returns how many. */
  expire(before: number, limit: number): number {
    const n = this.st.expire.run(before, limit).changes;
    // Keys are content hashes, so a stale entry could only be served for a key reused by another column.
    if (n > 0) this.cache.clear();
    return n;
  }

  private decoded(ref: number, stored?: Uint8Array): Float64Array {
    let ts = this.cache.get(ref);
    if (ts) return ts;
    const block = stored ?? (this.st.get.get(ref) as Uint8Array | undefined);
    if (block === undefined) throw new Error(`tsdb chunk refers to a missing timestamp column ${ref}`);
    ts = decodeTimestampColumn(block);
    this.cache.set(ref, ts);
    return ts;
  }
}

/** Decodes a stored timestamp column. */
export function decodeTimestampColumn(block: Uint8Array): Float64Array {
  const { format, payload } = unpackBlock(block);
  if (format !== TIMESTAMPS_FORMAT) throw new Error(`not a tsdb timestamp column (format ${format})`);
  const r = new ByteReader(payload);
  return readValues(r, r.uvarint());
}

function hash48(bytes: Uint8Array): number {
  return createHash('sha256').update(bytes).digest().readUIntBE(0, 6);
}

function sameColumn(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
