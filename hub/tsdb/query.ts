import type { Bucket } from '../../shared/query/types.js';
import { decodeChunk, type SampleColumns } from './chunk.js';
import { mergeRuns, runOf, type SampleRun } from './merge.js';
import { RESOLUTION } from './options.js';
import type { StoreParts } from './parts.js';
import { blockSpan } from './retention.js';
import { computeBuckets } from './rollup.js';
import { decodeBuckets } from './rollup-block.js';
import { chooseTier } from './tiers.js';

const alignDown = (t: number, span: number) => Math.floor(t / span) * span;

/** Raw samples of a series with ts in [start, end): sealed chunks merged with the head (a sealed sample wins a tie). */
export function readSamples(parts: StoreParts, id: number, start: number, end: number): SampleColumns {
  const W = parts.opts.chunkWindow;
  const chunks = parts.blocks.range('raw', id, alignDown(start, W), end).map((row) => decodeChunk(row.data, parts.timestamps));
  return mergeRuns(within(concat(chunks), start, end), parts.head.slice(id, start, end));
}

/**
 * Buckets of a series with ts in [start, end) from the tier chooseTier picks
 * for the step. Raw samples come as buckets of count 1. From a rollup tier,
 * windows that still have head samples (the current window, or a sealed
 * one that backfill reopened) are summarised from their samples on the
 * fly; every other window is read from its stored rollup block.
 */
export function readBuckets(parts: StoreParts, id: number, start: number, end: number, step: number): Bucket[] {
  const { opts, head, blocks } = parts;
  const tier = chooseTier(opts.retention, step, start, opts.now());
  if (tier === 'raw') {
    const s = readSamples(parts, id, start, end);
    const out: Bucket[] = new Array<Bucket>(s.ts.length);
    for (let i = 0; i < s.ts.length; i++) {
      const v = s.values[i]!;
      out[i] = { ts: s.ts[i]!, min: v, max: v, sum: v, count: 1, first: v, last: v, increase: 0 };
    }
    return out;
  }

  const W = opts.chunkWindow;
  const resolution = RESOLUTION[tier];
  const inRange = (b: Bucket) => b.ts >= start && b.ts < end;
  const out: Bucket[] = [];

  // Windows the head still holds samples of, in [start, end).
  const live = new Set<number>();
  const recent = head.slice(id, alignDown(start, W), end);
  if (recent) {
    for (let i = recent.from; i < recent.to; ) {
      const w = alignDown(recent.ts[i]!, W);
      live.add(w);
      while (i < recent.to && recent.ts[i]! < w + W) i++;
    }
  }

  const span = blockSpan(tier, W);
  for (const row of blocks.range(tier, id, alignDown(start, span), end)) {
    for (const b of decodeBuckets(row.data)) if (inRange(b) && !live.has(alignDown(b.ts, W))) out.push(b);
  }

  if (live.size > 0) {
    const isCounter = opts.isCounter(parts.series.get(id)?.metric ?? '');
    for (const w of live) {
      const stored = w <= parts.state.lastSealedWindow ? blocks.get('raw', id, w) : undefined;
      let buckets: Bucket[];
      if (stored) {
        // A sealed window reopened by backfill: summarise chunk and head together (rare).
        const merged = mergeRuns(runOf(decodeChunk(stored.data, parts.timestamps)), head.slice(id, w, w + W));
        buckets = computeBuckets(merged.ts, merged.values, 0, merged.ts.length, resolution, isCounter);
      } else buckets = parts.headRollups.get(id, w, W, resolution, isCounter);
      for (const b of buckets) if (inRange(b)) out.push(b);
    }
    out.sort((a, b) => a.ts - b.ts);
  }
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
