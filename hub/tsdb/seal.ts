import type { Bucket } from '../../shared/query/types.js';
import { decodeChunk, encodeChunk } from './chunk.js';
import { runOf, mergeRuns } from './merge.js';
import { DAY, HOUR, MINUTE } from './options.js';
import { retentionPlan } from './retention.js';
import { computeBuckets } from './rollup.js';
import { decodeBuckets, encodeBuckets } from './rollup-block.js';
import type { StoreParts } from './parts.js';

/** Series sealed per transaction: bounds a transaction's size, not the pause (sealing is synchronous). */
const SERIES_PER_TRANSACTION = 256;

export interface SealResult {
  /** Windows whose head table was sealed (or, past raw retention, discarded). */
  windows: number;
  /** Chunks written or rewritten. */
  chunks: number;
  /** Head samples moved into chunks. */
  samples: number;
}

/**
 * Seals every window that ended at least `sealDelay` before `now`: for
 * each series, its head samples of the window are merged into the window's
 * chunk (decoding and re-encoding a chunk that backfill already sealed; the
 * sealed sample wins a tie), the 1 m block of the window is recomputed from
 * the merged samples and the window's 1 h buckets replaced in their day
 * block. The window's head table is dropped in the same transaction as the
 * last series, so a crash either leaves the head in place (and sealing it
 * again rewrites identical chunks) or finds it sealed.
 */
export function seal(parts: StoreParts, now: number, everything = false): SealResult {
  if (!Number.isFinite(now)) throw new Error(`tsdb seal: now must be a time in ms, got ${now}`);
  const { opts, head, log, db } = parts;
  const W = opts.chunkWindow;
  // `everything` (flush) also seals the current window; later samples of it are merged in by the next seal.
  const boundary = everything ? Infinity : Math.floor((now - opts.sealDelay) / W) * W;
  const rawCutoff = retentionPlan(opts.retention, W, now).raw;
  const result: SealResult = { windows: 0, chunks: 0, samples: 0 };
  for (const w of log.windows()) {
    if (w >= boundary) break;
    const ids = head.seriesIn(w, w + W);
    if (w < rawCutoff) {
      // Past raw retention (it expired after these samples were written): dropped like the window's chunk.
      db.transaction(() => log.drop(w))();
      for (const id of ids) head.remove(id, w, w + W);
      log.forget(w);
      result.windows++;
      continue;
    }
    for (let g = 0; g === 0 || g < ids.length; g += SERIES_PER_TRANSACTION) {
      const group = ids.slice(g, g + SERIES_PER_TRANSACTION);
      const last = g + SERIES_PER_TRANSACTION >= ids.length;
      db.transaction(() => {
        for (const id of group) result.samples += sealSeries(parts, id, w);
        if (last) log.drop(w);
      })();
      result.chunks += group.length;
      for (const id of group) head.remove(id, w, w + W);
    }
    log.forget(w);
    parts.headRollups.dropWindow(w);
    result.windows++;
  }
  return result;
}

/** Merges one series' head samples of window `w` into its chunk and rollups; returns the head samples used. */
function sealSeries(parts: StoreParts, id: number, w: number): number {
  const { opts, head, blocks, series } = parts;
  const W = opts.chunkWindow;
  const slice = head.slice(id, w, w + W);
  if (!slice) return 0;
  const stored = blocks.get('raw', id, w);
  const merged = mergeRuns(stored ? runOf(decodeChunk(stored.data)) : undefined, slice);
  const n = merged.ts.length;
  blocks.put('raw', id, w, n, encodeChunk(merged.ts, merged.values, opts.codec));
  if (w > parts.state.lastSealedWindow) parts.state.lastSealedWindow = w;

  const isCounter = opts.isCounter(series.get(id)?.metric ?? '');
  const minutes = computeBuckets(merged.ts, merged.values, 0, n, MINUTE, isCounter);
  blocks.put('1m', id, w, minutes.length, encodeBuckets(minutes));

  const hours = computeBuckets(merged.ts, merged.values, 0, n, HOUR, isCounter);
  const day = Math.floor(w / DAY) * DAY;
  const dayBlock = blocks.get('1h', id, day);
  const kept: Bucket[] = dayBlock ? decodeBuckets(dayBlock.data).filter((b) => b.ts < w || b.ts >= w + W) : [];
  const all = kept.concat(hours).sort((a, b) => a.ts - b.ts);
  blocks.put('1h', id, day, all.length, encodeBuckets(all));
  return slice.to - slice.from;
}
