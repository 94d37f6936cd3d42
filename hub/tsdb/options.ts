import { parseDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/log.js';
import type { Codec } from './compress.js';
import { DEFAULT_READ_CACHE_BYTES } from './rollup-cache.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The storage tiers, finest first; rollup resolutions are fixed (their tables are named after them). */
export const TIERS = ['raw', '1m', '1h'] as const;
export type Tier = (typeof TIERS)[number];

/** Bucket width of each tier; raw samples answer any step. */
export const RESOLUTION: Record<Tier, number> = { raw: 1, '1m': MINUTE, '1h': HOUR };

export interface TsdbOptions {
  /** Counters get a reset-aware `increase` in their rollups; the hub passes `metricDef(m)?.type === 'counter'`. */
  isCounter?: (metric: string) => boolean;
  /** How long each tier is kept (ms or a duration string). Defaults: raw 7d, 1m 90d, 1h 2y. */
  retention?: Partial<Record<Tier, number | string>>;
  /** Span of one sealed chunk; a multiple of 1 h that divides a day. Default 1h. */
  chunkWindow?: number | string;
  /** A window is sealed this long after it ends, so late batches still land in the head. Default 10m. */
  sealDelay?: number | string;
  /** NORMAL survives a process crash; FULL also a power loss (docs/tsdb.md). Default NORMAL. */
  synchronous?: 'NORMAL' | 'FULL';
  /** Compressor over chunk payloads (bench/tsdb-codec.ts). */
  codec?: Codec;
  /** Clock for retention checks on write and tier choice on read. */
  now?: () => number;
  /**
   * Head-log records of a window with an id above this must outlive its seal:
   * a reader of the log (remote write's queues, hub/remote-write) has not
   * consumed them yet. The table stays and the next seal deletes them. Default: none held.
   */
  logHold?: (window: number) => number;
  /** Bound of the decoded rollup blocks kept for reads (rollup-cache.ts), in bytes; 0 keeps none. Default 64 MiB. */
  readCacheBytes?: number;
  /**
   * WAL checkpoints in a worker thread every `intervalMs` instead of in the
   * commit that fills the WAL (hub/core/wal-checkpointer.ts): what the hub runs. Default:
   * in the commit, as SQLite does (tools, tests, benches).
   */
  checkpointWorker?: { intervalMs: number; log?: Logger };
}

export interface ResolvedOptions {
  isCounter: (metric: string) => boolean;
  retention: Record<Tier, number>;
  chunkWindow: number;
  sealDelay: number;
  synchronous: 'NORMAL' | 'FULL';
  codec: Codec | undefined;
  now: () => number;
  logHold: (window: number) => number;
  readCacheBytes: number;
  checkpointWorker: { intervalMs: number; log?: Logger } | undefined;
}

export const DEFAULT_RETENTION: Record<Tier, number> = { raw: 7 * DAY, '1m': 90 * DAY, '1h': 730 * DAY };

/** Applies defaults and checks the constraints the store relies on. */
export function resolveOptions(opts: TsdbOptions = {}): ResolvedOptions {
  const retention = { ...DEFAULT_RETENTION };
  for (const tier of TIERS) {
    const v = opts.retention?.[tier];
    if (v !== undefined) retention[tier] = parseDuration(v);
  }
  const chunkWindow = parseDuration(opts.chunkWindow ?? HOUR);
  // A 1 h bucket must never straddle two chunks, and a daily 1 h block never two windows.
  if (chunkWindow < HOUR || chunkWindow % HOUR !== 0 || DAY % chunkWindow !== 0) {
    throw new Error(`tsdb chunkWindow must be a multiple of 1h that divides 24h, got ${chunkWindow} ms`);
  }
  const readCacheBytes = opts.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES;
  if (!Number.isSafeInteger(readCacheBytes) || readCacheBytes < 0) throw new Error(`tsdb readCacheBytes must be a whole number of bytes >= 0, got ${readCacheBytes}`);
  return {
    isCounter: opts.isCounter ?? (() => false),
    retention,
    chunkWindow,
    sealDelay: parseDuration(opts.sealDelay ?? 10 * MINUTE),
    synchronous: opts.synchronous ?? 'NORMAL',
    codec: opts.codec,
    now: opts.now ?? Date.now,
    logHold: opts.logHold ?? (() => Infinity),
    readCacheBytes,
    checkpointWorker: opts.checkpointWorker,
  };
}
