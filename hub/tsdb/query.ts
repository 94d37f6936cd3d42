import { bucketsOfColumns } from '../../shared/query/bucket.js';
import type { Bucket, BucketColumns } from '../../shared/query/types.js';
import { decodeChunk, type SampleColumns } from './chunk.js';
import { lowerBound } from './lower-bound.js';
import { mergeRuns, runOf, type SampleRun } from './merge.js';
import { RESOLUTION, type Tier } from './options.js';
import type { StoreParts } from './parts.js';
import { blockSpan } from './retention.js';
import { computeBuckets } from './rollup.js';
import { decodeBucketColumns } from './rollup-block.js';
import { chooseTier } from './tiers.js';

const alignDown = (t: number, span: number) => Math.floor(t / span) * span;

/** Raw samples of a series with ts in [start, end): sealed chunks merged with the head (a sealed sample wins a tie). */
export function readSamples(parts: StoreParts, id: number, start: number, end: number): SampleColumns {
  const W = parts.opts.chunkWindow;
  const chunks = parts.blocks.range('raw', id, alignDown(start, W), end).map((row) => decodeChunk(row.data, parts.timestamps));
  return mergeRuns(within(concat(chunks), start, end), parts.head.slice(id, start, end));
}

/** Longest run of block starts a read looks up one by one in the cache; a longer range lists its blocks with SQL. */
const MAX_ENUMERATED_BLOCKS = 48;

/**
 * Buckets of a series with ts in [start, end) from the tier chooseTier picks
 * for the step, as objects: readColumns' buckets.
 */
export function readBuckets(parts: StoreParts, scratch: ColumnScratch, id: number, start: number, end: number, step: number): Bucket[] {
  return bucketsOfColumns(readColumns(parts, scratch, id, start, end, step));
}

/** A run [from, to) of a decoded block's buckets, or of a live window's. */
type Piece = { c: BucketColumns; from: number; to: number } | { buckets: readonly Bucket[]; from: number; to: number };

/**
 * Buckets of a series with ts in [start, end) from the tier chooseTier picks
 * for the step, as columns (no object per bucket), oldest first. Raw
 * samples come as buckets of count 1. From a rollup tier, windows that
 * still have head samples (the current window, or a sealed one that
 * backfill reopened) are summarised from their samples on the fly; every
 * other window is read from its stored rollup block, decoded once and then
 * kept (rollup-cache.ts). The columns are the cached block's own arrays
 * when the range covers exactly one block, else `scratch`'s: read only,
 * and valid until the next read with the same scratch.
 */
export function readColumns(parts: StoreParts, scratch: ColumnScratch, id: number, start: number, end: number, step: number): BucketColumns {
  const { opts, head } = parts;
  const tier = chooseTier(opts.retention, step, start, opts.now());
  if (tier === 'raw') return rawColumns(readSamples(parts, id, start, end));

  const W = opts.chunkWindow;
  const resolution = RESOLUTION[tier];
  const live = liveWindows(parts, id, alignDown(start, W), end);
  const pieces: Piece[] = [];
  for (const c of storedBlocks(parts, tier, id, start, end)) {
    const from = lowerBound(c.ts, start, 0);
    const to = lowerBound(c.ts, end, from);
    if (live.length === 0) {
      if (to > from) pieces.push({ c, from, to });
      continue;
    }
    // Leave out the windows the head has samples of: their buckets are computed below.
    for (let i = from; i < to; ) {
      const w = alignDown(c.ts[i]!, W);
      const j = Math.min(to, lowerBound(c.ts, w + W, i));
      if (!live.includes(w)) {
        const last = pieces[pieces.length - 1];
        if (last && 'c' in last && last.c === c && last.to === i) last.to = j;
        else pieces.push({ c, from: i, to: j });
      }
      i = j;
    }
  }
  if (live.length > 0) {
    const isCounter = opts.isCounter(parts.series.get(id)?.metric ?? '');
    for (const w of live) {
      const chunk = w <= parts.state.lastSealedWindow ? parts.blocks.get('raw', id, w) : undefined;
      let buckets: Bucket[];
      if (chunk) {
        // A sealed window reopened by backfill: summarise chunk and head together (rare).
        const merged = mergeRuns(runOf(decodeChunk(chunk.data, parts.timestamps)), head.slice(id, w, w + W));
        buckets = computeBuckets(merged.ts, merged.values, 0, merged.ts.length, resolution, isCounter);
      } else buckets = parts.headRollups.get(id, w, W, resolution, isCounter);
      let from = 0;
      while (from < buckets.length && buckets[from]!.ts < start) from++;
      let to = buckets.length;
      while (to > from && buckets[to - 1]!.ts >= end) to--;
      if (to > from) pieces.push({ buckets, from, to });
    }
    // Stored windows first, then live ones: a window reopened before a stored one goes back in its place.
    pieces.sort((a, b) => firstTs(a) - firstTs(b));
  }
  return joined(pieces, scratch);
}

const firstTs = (p: Piece) => ('c' in p ? p.c.ts[p.from]! : p.buckets[p.from]!.ts);

const NONE = new Float64Array(0);
const EMPTY: BucketColumns = { length: 0, ts: NONE, min: NONE, max: NONE, sum: NONE, count: NONE, first: NONE, last: NONE, increase: NONE };

/** Raw samples as count-1 buckets: every value column is the samples' values. */
function rawColumns(s: SampleColumns): BucketColumns {
  const n = s.ts.length;
  return { length: n, ts: s.ts, min: s.values, max: s.values, sum: s.values, count: new Float64Array(n).fill(1), first: s.values, last: s.values, increase: new Float64Array(n) };
}

/**
 * Columns reused by every read of a store (grown to the longest read): a
 * query steps each series' columns before it reads the next, so a read
 * that joins blocks and live windows allocates nothing (eight typed arrays
 * a series cost more than the stepping, bench/tsdb-query.ts).
 */
export class ColumnScratch {
  private capacity = 0;
  private arrays = { ts: NONE, min: NONE, max: NONE, sum: NONE, count: NONE, first: NONE, last: NONE, increase: NONE };

  /** Columns of `n` buckets; their previous contents are garbage. */
  take(n: number): BucketColumns {
    if (n > this.capacity) {
      this.capacity = Math.max(n, 2 * this.capacity, 256);
      const make = () => new Float64Array(this.capacity);
      this.arrays = { ts: make(), min: make(), max: make(), sum: make(), count: make(), first: make(), last: make(), increase: make() };
    }
    return { length: n, ...this.arrays };
  }
}

/** The pieces one after another: a block's own arrays when it is the one piece, whole, else copied into the scratch columns. */
function joined(pieces: readonly Piece[], scratch: ColumnScratch): BucketColumns {
  if (pieces.length === 0) return EMPTY;
  const only = pieces[0]!;
  if (pieces.length === 1 && 'c' in only && only.from === 0 && only.to === only.c.length) return only.c;
  const out = scratch.take(pieces.reduce((a, p) => a + p.to - p.from, 0));
  let k = 0;
  for (const p of pieces) {
    if ('c' in p) {
      const { c, from, to } = p;
      out.ts.set(c.ts.subarray(from, to), k);
      out.min.set(c.min.subarray(from, to), k);
      out.max.set(c.max.subarray(from, to), k);
      out.sum.set(c.sum.subarray(from, to), k);
      out.count.set(c.count.subarray(from, to), k);
      out.first.set(c.first.subarray(from, to), k);
      out.last.set(c.last.subarray(from, to), k);
      out.increase.set(c.increase.subarray(from, to), k);
      k += to - from;
      continue;
    }
    for (let i = p.from; i < p.to; i++, k++) {
      const b = p.buckets[i]!;
      out.ts[k] = b.ts;
      out.min[k] = b.min;
      out.max[k] = b.max;
      out.sum[k] = b.sum;
      out.count[k] = b.count;
      out.first[k] = b.first;
      out.last[k] = b.last;
      out.increase[k] = b.increase;
    }
  }
  return out;
}

/** Windows in [from, to) where the head has samples of the series, oldest first (a binary search a window, not a scan of its samples). */
function liveWindows(parts: StoreParts, id: number, from: number, to: number): number[] {
  const recent = parts.head.slice(id, from, to);
  if (!recent) return [];
  const W = parts.opts.chunkWindow;
  const out: number[] = [];
  for (let i = recent.from; i < recent.to; ) {
    const w = alignDown(recent.ts[i]!, W);
    out.push(w);
    i = lowerBound(recent.ts, w + W, i, recent.to);
  }
  return out;
}

/** The series' stored blocks of a rollup tier that may hold buckets in [start, end), decoded (from the cache when it has them), oldest first. */
function storedBlocks(parts: StoreParts, tier: Tier, id: number, start: number, end: number): BucketColumns[] {
  const { blocks, rollupCache } = parts;
  const span = blockSpan(tier, parts.opts.chunkWindow);
  const first = alignDown(start, span);
  const out: BucketColumns[] = [];
  if ((end - first) / span <= MAX_ENUMERATED_BLOCKS) {
    for (let s = first; s < end; s += span) {
      const c = rollupCache.read(tier, id, s, () => {
        const row = blocks.get(tier, id, s);
        return row ? decodeBucketColumns(row.data) : null;
      });
      if (c) out.push(c);
    }
    return out;
  }
  for (const row of blocks.range(tier, id, first, end)) out.push(rollupCache.read(tier, id, row.start, () => decodeBucketColumns(row.data))!);
  return out;
}

function concat(chunks: SampleColumns[]): SampleColumns {
  if (chunks.length === 1) return chunks[0]!;
  const n = chunks.reduce((a, c) => a + c.ts.length, 0);
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (const c of chunks) {
    ts.set(c.ts, k);
    values.set(c.values, k);
    k += c.ts.length;
  }
  return { ts, values };
}

/** The part of sorted samples with ts in [start, end), without copying. */
function within(c: SampleColumns, start: number, end: number): SampleRun {
  let from = 0;
  while (from < c.ts.length && c.ts[from]! < start) from++;
  let to = c.ts.length;
  while (to > from && c.ts[to - 1]! >= end) to--;
  return { ...runOf(c), from, to };
}
