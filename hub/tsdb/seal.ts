import type { Bucket } from '../../shared/query/types.js';
import { transactionRunner } from '../core/transaction-runner.js';
import { decodeChunk, encodeChunk } from './chunk.js';
import { LeafPacker, type CellSize } from './leaf-packer.js';
import { runOf, mergeRuns } from './merge.js';
import { DAY, HOUR, MINUTE } from './options.js';
import { retentionPlan } from './retention.js';
import { computeBuckets } from './rollup.js';
import { decodeBuckets, encodeBuckets } from './rollup-block.js';
import type { StoreParts } from './parts.js';
import { drain, STEP_LOG_BYTES, STEP_LOG_RECORDS, STEP_SAMPLES, STEP_SERIES, type MaintenanceStep } from './steps.js';

export interface SealResult {
  /** Windows whose head table was sealed (or, past raw retention, discarded). */
  windows: number;
  /** Chunks written or rewritten. */
  chunks: number;
  /** Head samples moved into chunks. */
  samples: number;
}

/** Seals (or discards) every due window at once, holding the thread: flush, tests, benches. The hub runs sealSteps sliced. */
export function seal(parts: StoreParts, now: number, everything = false): SealResult {
  return drain(sealSteps(parts, now, everything));
}

/**
 * Seals every window that ended at least `sealDelay` before `now`, in
 * bounded steps (steps.ts): for each series, its head samples of the window
 * are merged into the window's chunk (decoding and re-encoding a chunk that
 * backfill already sealed; the sealed sample wins a tie), the 1 m block of
 * the window is recomputed from the merged samples and the window's 1 h
 * buckets replaced in their day block. Each step encodes a few series and
 * keeps their chunks waiting until one fits the chunks table's last leaf
 * page (leaf-packer.ts: a few steps at most), writes those whose turn came,
 * commits, and only then removes the written series' samples from the
 * head, so a read between steps finds every sample exactly once, in the
 * head or in a chunk.
 *
 * The window's head-log records are deleted only after every series that
 * had samples when the seal started is committed, and only those records
 * (id <= the newest at the start): samples written into the window while
 * the seal runs (backfill) keep their records, so the table survives and
 * the next seal takes them. A crash anywhere leaves every sample in a
 * chunk, in the log, or both; replaying a record whose samples are already
 * sealed merges them into identical chunks (first write wins).
 */
export function* sealSteps(parts: StoreParts, now: number, everything = false): Generator<MaintenanceStep, SealResult> {
  if (!Number.isFinite(now)) throw new Error(`tsdb seal: now must be a time in ms, got ${now}`);
  const { opts, head, log } = parts;
  const W = opts.chunkWindow;
  // `everything` (flush) also seals the current window; later samples of it are merged in by the next seal.
  const boundary = everything ? Infinity : Math.floor((now - opts.sealDelay) / W) * W;
  const rawCutoff = retentionPlan(opts.retention, W, now).raw;
  const inTransaction = transactionRunner(parts.db);
  const result: SealResult = { windows: 0, chunks: 0, samples: 0 };
  for (const w of log.windows()) {
    if (w >= boundary) break;
    if (w < rawCutoff) {
      // Past raw retention (it expired after these samples were written): dropped like the window's chunk.
      yield* discardWindow(parts, w);
      result.windows++;
      continue;
    }
    // Both taken in the same turn: every sample of `ids` in the head has its record at or before `upTo`.
    const upTo = log.lastRecord(w);
    const ids = head.seriesIn(w, w + W);
    const packer = packerOf(parts);
    // Encoded series whose chunks wait for a leaf they fit (leaf-packer.ts); their samples stay in the head until written.
    const waiting: Encoded[] = [];
    // Their cells' leaf bytes, in the same order: what the packer picks from.
    const cells: number[] = [];
    for (let i = 0; i < ids.length || waiting.length > 0; ) {
      const group = takeGroup(parts, ids, i, w);
      i += group.length;
      let samples = 0;
      const written: Encoded[] = [];
      inTransaction(() => {
        for (const id of group) {
          const e = encodeSeries(parts, packer, id, w);
          if (!e) continue;
          samples += e.headSamples;
          waiting.push(e);
          cells.push(e.cell.leafBytes);
        }
        // As many writes as encodes, or a few: a step that only writes (the window's last ones) stays ~1 ms.
        const writes = Math.max(group.length, STEP_WRITES);
        while (written.length < writes) {
          const k = packer.pick(cells, i >= ids.length || waiting.length > WAITING);
          if (k < 0) break;
          cells.splice(k, 1);
          written.push(writeSeries(parts, packer, waiting.splice(k, 1)[0]!, w));
        }
      });
      // Only now that the chunks are committed: until then the head is where reads find these samples.
      for (const e of written) {
        head.remove(e.id, w, w + W);
        result.samples += e.headSamples;
      }
      result.chunks += written.length;
      yield { task: 'seal', series: group.length, samples };
    }
    yield* deleteLog(parts, w, upTo);
    parts.headRollups.dropWindow(w);
    result.windows++;
  }
  return result;
}

/**
 * The series of `ids` from `from` on that one step seals: at most
 * STEP_SERIES, and at most STEP_SAMPLES head samples in window `w` unless a
 * series alone has more. Measured in the turn it is sealed in.
 */
function takeGroup(parts: StoreParts, ids: readonly number[], from: number, w: number): number[] {
  const W = parts.opts.chunkWindow;
  const group: number[] = [];
  let samples = 0;
  for (let i = from; i < ids.length && group.length < STEP_SERIES; i++) {
    const slice = parts.head.slice(ids[i]!, w, w + W);
    const n = slice ? slice.to - slice.from : 0;
    if (group.length > 0 && samples + n > STEP_SAMPLES) break;
    group.push(ids[i]!);
    samples += n;
  }
  return group;
}

/** Splits `ids` into the groups of takeGroup, lazily. */
function* seriesGroups(parts: StoreParts, ids: readonly number[], w: number): Generator<number[]> {
  for (let i = 0; i < ids.length; ) {
    const group = takeGroup(parts, ids, i, w);
    i += group.length;
    yield group;
  }
}

/**
 * Throws a head window away, head samples and log, in bounded steps: one
 * older than raw retention, which no write can add to any more.
 */
export function* discardWindow(parts: StoreParts, w: number): Generator<MaintenanceStep> {
  const W = parts.opts.chunkWindow;
  const upTo = parts.log.lastRecord(w);
  for (const group of seriesGroups(parts, parts.head.seriesIn(w, w + W), w)) {
    let samples = 0;
    for (const id of group) samples += parts.head.remove(id, w, w + W);
    yield { task: 'discard', series: group.length, samples };
  }
  yield* deleteLog(parts, w, upTo);
}

/**
 * Deletes the window's records up to `upTo` in bounded steps, keeping the
 * table's newest record until the last step: SQLite gives a new row
 * max(id) + 1, so a step that deleted the newest would let the next write
 * (between two steps) reuse an id <= `upTo`, and a later step would delete
 * that unsealed record. The last step drops the table, with that record,
 * when nothing newer than `upTo` arrived, and forgets it.
 */
function* deleteLog(parts: StoreParts, w: number, sealedUpTo: number): Generator<MaintenanceStep> {
  // Records a log reader still needs stay (their samples are sealed too; replaying them merges identical chunks).
  const upTo = Math.min(sealedUpTo, parts.opts.logHold(w));
  for (;;) {
    const { records, bytes } = parts.log.deleteOldest(w, Math.min(upTo, parts.log.lastRecord(w) - 1), STEP_LOG_RECORDS, STEP_LOG_BYTES);
    if (records === 0) break;
    yield { task: 'log', records, bytes };
  }
  if (parts.log.lastRecord(w) <= upTo) {
    parts.log.drop(w);
    parts.log.forget(w);
  }
}

/** Encoded chunks a seal keeps waiting at most, for one that fits the last leaf (8: 1.6 % of the leaf bytes unused, simulated; 2: 7.4 %). */
const WAITING = 8;
/**
 * Chunks (with their rollups) a step writes at most when it encoded fewer; else as many as it encoded. The 9 left
 * waiting at the window's end written in one step took 3.6-9.9 ms, where an ordinary step takes ~1.2 (load
 * average 4-8; 3 a step: < 1 ms).
 */
const STEP_WRITES = 3;

/** One series' window merged and encoded, not yet written. */
interface Encoded {
  id: number;
  /** Its head samples in the window when encoded: a write meanwhile (backfill) means encoding it again. */
  headSamples: number;
  /** Samples of the chunk: the head's merged into the stored chunk's. */
  samples: number;
  chunk: Uint8Array;
  cell: CellSize;
  /** The window's 1 m block, encoded here so that a step writing several waiting series does little more than SQL. */
  minutes: { count: number; block: Uint8Array };
  hours: Bucket[];
}

const packers = new WeakMap<StoreParts['db'], LeafPacker>();

function packerOf(parts: StoreParts): LeafPacker {
  let p = packers.get(parts.db);
  if (!p) packers.set(parts.db, (p = new LeafPacker(parts.db)));
  return p;
}

/**
 * Merges one series' head samples of window `w` into its chunk (decoded
 * when backfill reopened a sealed window) and encodes the chunk and its
 * rollups; writes only the timestamp column, when new, which the chunk
 * refers to (a column no chunk refers to waits for retention, like any
 * other of its window). Undefined when the series has no head samples there.
 */
function encodeSeries(parts: StoreParts, packer: LeafPacker, id: number, w: number): Encoded | undefined {
  const { opts, head, blocks, series } = parts;
  const W = opts.chunkWindow;
  const slice = head.slice(id, w, w + W);
  if (!slice) return undefined;
  const stored = blocks.get('raw', id, w);
  const merged = mergeRuns(stored ? runOf(decodeChunk(stored.data, parts.timestamps)) : undefined, slice);
  const n = merged.ts.length;
  const chunk = encodeChunk(parts.timestamps.put(w, merged.ts), merged.values, opts.codec);
  const isCounter = opts.isCounter(series.get(id)?.metric ?? '');
  const minutes = computeBuckets(merged.ts, merged.values, 0, n, MINUTE, isCounter);
  return {
    id,
    headSamples: slice.to - slice.from,
    samples: n,
    chunk,
    cell: packer.cellBytes(id, w, n, chunk.length),
    minutes: { count: minutes.length, block: encodeBuckets(minutes) },
    hours: computeBuckets(merged.ts, merged.values, 0, n, HOUR, isCounter),
  };
}

/** Writes an encoded series' chunk and rollups, encoding it again first if its head samples changed since; returns what it wrote. */
function writeSeries(parts: StoreParts, packer: LeafPacker, encoded: Encoded, w: number): Encoded {
  const { opts, head, blocks } = parts;
  const W = opts.chunkWindow;
  const slice = head.slice(encoded.id, w, w + W);
  const e = (slice ? slice.to - slice.from : 0) === encoded.headSamples ? encoded : encodeSeries(parts, packer, encoded.id, w)!;
  packer.write(e.cell, () => blocks.put('raw', e.id, w, e.samples, e.chunk));
  if (w > parts.state.lastSealedWindow) parts.state.lastSealedWindow = w;

  blocks.put('1m', e.id, w, e.minutes.count, e.minutes.block);
  const day = Math.floor(w / DAY) * DAY;
  const dayBlock = blocks.get('1h', e.id, day);
  const kept: Bucket[] = dayBlock ? decodeBuckets(dayBlock.data).filter((b) => b.ts < w || b.ts >= w + W) : [];
  const all = kept.concat(e.hours).sort((a, b) => a.ts - b.ts);
  blocks.put('1h', e.id, day, all.length, encodeBuckets(all));
  return e;
}
