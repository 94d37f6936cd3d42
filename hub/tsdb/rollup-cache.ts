import type { BucketColumns } from '../../shared/query/types.js';
import type { BlockChanges } from './blocks.js';
import type { Tier } from './options.js';

/** Default bound of the decoded blocks kept: ~17 000 1 m blocks of 60 buckets, two hours of a 8 000-series fleet. */
export const DEFAULT_READ_CACHE_BYTES = 64 * 1024 * 1024;

/** What an entry costs besides its arrays: the entry, its map slots and the typed arrays' headers (an estimate, counted so that absent blocks are bounded too). */
const ENTRY_OVERHEAD = 200;

interface Entry {
  /** The decoded block; null where the table has no block (the live window, a gap). */
  columns: BucketColumns | null;
  bytes: number;
}

const TIER_INDEX: Record<Tier, number> = { raw: 0, '1m': 1, '1h': 2 };

/** Entries by (tier, series), then by block start: what expire() needs to find a series' blocks without a scan. */
class Generation {
  readonly series = new Map<number, Map<number, Entry>>();
  bytes = 0;
  entries = 0;

  get(key: number, start: number): Entry | undefined {
    return this.series.get(key)?.get(start);
  }

  add(key: number, start: number, entry: Entry): void {
    const blocks = this.series.get(key);
    if (blocks) blocks.set(start, entry);
    else this.series.set(key, new Map([[start, entry]]));
    this.bytes += entry.bytes;
    this.entries++;
  }

  delete(key: number, start: number): void {
    const blocks = this.series.get(key);
    const entry = blocks?.get(start);
    if (!entry) return;
    blocks!.delete(start);
    if (blocks!.size === 0) this.series.delete(key);
    this.bytes -= entry.bytes;
    this.entries--;
  }

  /** Removes the entries of `key` whose start passes `drop`. */
  remove(key: number, drop: (start: number) => boolean): void {
    const blocks = this.series.get(key);
    if (!blocks) return;
    for (const [start, entry] of blocks) {
      if (!drop(start)) continue;
      blocks.delete(start);
      this.bytes -= entry.bytes;
      this.entries--;
    }
    if (blocks.size === 0) this.series.delete(key);
  }
}

/**
 * Decoded rollup blocks, keyed by (tier, series, start) and bounded by
 * `maxBytes`. A block read costs its SQL row, the inflate call and the
 * column decode (~90 % of a 1000-series query's store time before this
 * cache, bench/tsdb-query.ts); a sealed block only changes when a seal
 * rewrites it (backfill, and the day's 1 h block every window) or
 * retention deletes it, both through BlockTables, which tells this cache
 * (BlockChanges) before the SQL runs: an entry is always the table's
 * current row. A transaction rolled back after a change leaves the entry
 * absent, so the next read loads the row again. It also remembers that a
 * block does not exist, so the live window costs no SQL per series; the
 * seal that writes the block forgets that.
 *
 * Kept in two generations of half the bound each, as shared/bounded-cache.ts
 * (whose notes say why not a Map in recency order): a hit in the older one
 * moves the entry to the newer; when the newer one is full, the older is
 * dropped whole. So what a dashboard keeps reading stays, and what went
 * unread for a generation goes.
 */
export class RollupCache implements BlockChanges {
  private current = new Generation();
  private previous = new Generation();
  private readonly half: number;

  constructor(maxBytes: number = DEFAULT_READ_CACHE_BYTES) {
    this.half = Math.floor(maxBytes / 2);
  }

  /** Bytes held (arrays plus a per-entry estimate); at most the bound. */
  get bytes(): number {
    return this.current.bytes + this.previous.bytes;
  }

  get entries(): number {
    return this.current.entries + this.previous.entries;
  }

  /** The block of (tier, id, start) decoded, or null when there is none; `load` reads and decodes it on a miss. */
  read(tier: Tier, id: number, start: number, load: () => BucketColumns | null): BucketColumns | null {
    const key = id * 3 + TIER_INDEX[tier];
    const hit = this.current.get(key, start);
    if (hit) return hit.columns;
    const old = this.previous.get(key, start);
    if (old) {
      this.previous.delete(key, start);
      this.add(key, start, old);
      return old.columns;
    }
    const columns = load();
    this.add(key, start, { columns, bytes: ENTRY_OVERHEAD + (columns ? arrayBytes(columns) : 0) });
    return columns;
  }

  /** BlockChanges: the block of (tier, id, start) is being written or replaced. */
  put(tier: Tier, id: number, start: number): void {
    const key = id * 3 + TIER_INDEX[tier];
    this.current.delete(key, start);
    this.previous.delete(key, start);
  }

  /** BlockChanges: the series' blocks of the tier that start before `before` are being deleted. */
  expire(tier: Tier, id: number, before: number): void {
    const key = id * 3 + TIER_INDEX[tier];
    this.current.remove(key, (s) => s < before);
    this.previous.remove(key, (s) => s < before);
  }

  private add(key: number, start: number, entry: Entry): void {
    if (entry.bytes > this.half) return;
    if (this.current.bytes + entry.bytes > this.half) {
      this.previous = this.current;
      this.current = new Generation();
    }
    this.current.add(key, start, entry);
  }
}

/** Bytes of the block's distinct arrays (a column stored by reference shares its array). */
function arrayBytes(c: BucketColumns): number {
  const arrays = new Set([c.ts, c.min, c.max, c.sum, c.count, c.first, c.last, c.increase]);
  let n = 0;
  for (const a of arrays) n += a.byteLength;
  return n;
}
