import { statSync } from 'node:fs';
import type { Labels } from '../../shared/schema/message.js';
import type { Bucket, BucketColumns, Matcher, SeriesRef, SeriesSource } from '../../shared/query/types.js';
import { transactionRunner, type TransactionRunner } from '../core/transaction-runner.js';
import { BlockTables } from './blocks.js';
import { startCheckpointer } from '../core/wal-checkpointer.js';
import type { SampleColumns } from './chunk.js';
import { applyRetention, retentionSteps, type RetentionResult } from './expire.js';
import { Head } from './head.js';
import { HeadRollups } from './head-rollups.js';
import { HeadLog } from './head-log.js';
import { resolveOptions, type TsdbOptions } from './options.js';
import type { StoreParts } from './parts.js';
import { ColumnScratch, readBuckets, readColumns, readSamples } from './query.js';
import { retentionPlan } from './retention.js';
import { RollupCache } from './rollup-cache.js';
import { openDatabase } from './schema.js';
import { seal, sealSteps, type SealResult } from './seal.js';
import { SeriesIndex, type ResolvedSeries, type SeriesAdmission } from './series.js';
import { runSliced, type MaintenanceStep } from './steps.js';
import { TimestampColumns } from './timestamps.js';

/** One sample to store. */
export interface TsdbRow {
  metric: string;
  labels?: Labels;
  /** Integer ms since the epoch. */
  ts: number;
  value: number;
  /** Set by write(): the store's id of the row's series, so later consumers of the row (the fleet view) need not key its labels again. */
  seriesId?: number;
}

export interface WriteResult {
  /** New samples stored. */
  written: number;
  /** Samples whose (series, ts) the head already had; the first value is kept. */
  duplicates: number;
  /** Samples with a non-integer or negative timestamp, older than raw retention, or of a new series the admission refused. */
  rejected: number;
}

export interface MaintenanceResult {
  seal: SealResult;
  retention: RetentionResult;
}

export interface TsdbStats {
  series: number;
  /** Samples stored (sealed chunks plus head). */
  samples: number;
  headSamples: number;
  chunks: number;
  /** Size of the database file plus its WAL. */
  bytes: number;
  /** Decoded rollup blocks kept for reads (rollup-cache.ts): entries, and their bytes (bounded by readCacheBytes). */
  readCache: { entries: number; bytes: number };
}

export interface Tsdb extends SeriesSource {
  /** Stores rows in one transaction; when it returns, they survive a crash of the process. */
  write(rows: readonly TsdbRow[]): WriteResult;
  /** Moves head windows that ended `sealDelay` before `now` into compressed chunks and rollups. */
  seal(now: number): SealResult;
  /** Seals every head window, the current one included (before a backup or a shutdown that should leave no head). */
  flush(): SealResult;
  /** Deletes what each tier's retention no longer covers at `now`. */
  applyRetention(now: number): RetentionResult;
  /**
   * seal(now) then applyRetention(now) as bounded steps, each committed on
   * its own (steps.ts); writes and reads may run between any two, seal,
   * flush, applyRetention and another maintenance may not (they throw)
   * until the generator finishes or its return() is called (runSliced does).
   */
  maintenance(now: number): Generator<MaintenanceStep, MaintenanceResult>;
  /**
   * Runs maintenance(now) in slices of a few ms, giving the event loop back
   * between them: what the hub runs every minute. Rejects with the signal's
   * reason when aborted (between two steps).
   */
  maintain(now: number, signal?: AbortSignal): Promise<MaintenanceResult>;
  /** SeriesSource.readBuckets, as an array: raw buckets or the coarsest tier that fits the step (tiers.ts). */
  readBuckets(seriesId: number, start: number, end: number, step: number): Bucket[];
  /** SeriesSource.readColumns: readBuckets' buckets as columns, which the query engine steps without an object per bucket; read only, valid until the next readBuckets or readColumns. */
  readColumns(seriesId: number, start: number, end: number, step: number): BucketColumns;
  /** Raw samples of a series in [start, end). */
  readSamples(seriesId: number, start: number, end: number): SampleColumns;
  stats(): TsdbStats;
  /** Puts the creation of series under `admission` (ingest's per-node limits). */
  limitSeries(admission: SeriesAdmission): void;
  close(): void;
}

/**
 * Opens (creating) the hub's time-series store in one SQLite file and
 * replays its head log into memory. Layout and guarantees: docs/tsdb.md.
 */
export function openTsdb(file: string, options?: TsdbOptions): Tsdb {
  const opts = resolveOptions(options);
  const db = openDatabase(file, opts.synchronous, opts.chunkWindow);
  const checkpointer = opts.checkpointWorker ? startCheckpointer(db, file, opts.checkpointWorker) : null;
  const lastChunk = db.prepare('SELECT max(start) FROM chunks').pluck().get() as number | null;
  const head = new Head();
  const rollupCache = new RollupCache(opts.readCacheBytes);
  const scratch = new ColumnScratch();
  const parts: StoreParts = {
    db,
    opts,
    series: new SeriesIndex(db),
    head,
    headRollups: new HeadRollups(head),
    log: new HeadLog(db),
    blocks: new BlockTables(db, rollupCache),
    rollupCache,
    timestamps: new TimestampColumns(db),
    state: { lastSealedWindow: lastChunk ?? -Infinity },
  };
  for (const w of parts.log.windows()) {
    for (const [id, ts, value] of parts.log.replay(w)) {
      // The head is an array indexed by series id (head.ts): an id no series ever had is a damaged record, not a reason to grow it.
      if (!Number.isInteger(id) || id < 1 || id > parts.series.highestId) throw new Error(`corrupt head record in head_${w}: series id ${id}`);
      parts.head.insert(id, ts, value);
    }
  }
  const inTransaction = transactionRunner(db);
  const sampleCount = db.prepare('SELECT count(*) AS chunks, coalesce(sum(count), 0) AS samples FROM chunks');

  let maintaining = false;
  const exclusive = <T>(run: () => T): T => {
    if (maintaining) throw new Error('tsdb maintenance is running');
    return run();
  };

  return {
    write: (rows) => write(parts, inTransaction, rows),
    seal: (now) => exclusive(() => seal(parts, now)),
    flush: () => exclusive(() => seal(parts, opts.now(), true)),
    applyRetention: (now) => exclusive(() => applyRetention(parts, now)),
    *maintenance(now) {
      exclusive(() => (maintaining = true));
      try {
        const sealed = yield* sealSteps(parts, now);
        return { seal: sealed, retention: yield* retentionSteps(parts, now) };
      } finally {
        maintaining = false;
      }
    },
    maintain(now, signal) {
      return runSliced(this.maintenance(now), signal);
    },
    readSamples: (id, start, end) => readSamples(parts, id, start, end),
    findSeries: (metric: string, matchers: readonly Matcher[]): SeriesRef[] => parts.series.find(metric, matchers),
    readBuckets: (id: number, start: number, end: number, step: number): Bucket[] => readBuckets(parts, scratch, id, start, end, step),
    readColumns: (id: number, start: number, end: number, step: number): BucketColumns => readColumns(parts, scratch, id, start, end, step),
    stats() {
      const { chunks, samples } = sampleCount.get() as { chunks: number; samples: number };
      return { series: parts.series.size, samples: samples + parts.head.samples, headSamples: parts.head.samples, chunks, bytes: fileSize(file) + fileSize(`${file}-wal`), readCache: { entries: parts.rollupCache.entries, bytes: parts.rollupCache.bytes } };
    },
    limitSeries: (admission) => parts.series.setAdmission(admission),
    close: () => {
      // The worker's last checkpoint (and the WAL's removal, by the last connection to close) follows on its thread.
      void checkpointer?.stop();
      db.close();
    },
  };
}

function write(parts: StoreParts, inTransaction: TransactionRunner, rows: readonly TsdbRow[]): WriteResult {
  const { opts, series, head, log } = parts;
  const W = opts.chunkWindow;
  const rawCutoff = retentionPlan(opts.retention, W, opts.now()).raw;
  const result: WriteResult = { written: 0, duplicates: 0, rejected: 0 };
  // The head log records, [series_id, ts, value] triples per window, packed as they are accepted: a batch
  // almost always falls in one window, so that one needs no grouping and no intermediate array.
  const records = new Map<number, { packed: Float64Array; n: number }>();
  try {
    inTransaction(() => {
      let previous: ResolvedSeries | undefined;
      // The record of the row before's window: a Map lookup keyed by a double (a window's ms) per sample boxed it each time.
      let window = NaN;
      let record: { packed: Float64Array; n: number } | undefined;
      for (const row of rows) {
        const w = Math.floor(row.ts / W) * W;
        if (!Number.isSafeInteger(row.ts) || row.ts < 0 || typeof row.value !== 'number' || w < rawCutoff) {
          result.rejected++;
          continue;
        }
        previous = series.resolve(row.metric, row.labels, previous);
        if (!previous) {
          result.rejected++;
          continue;
        }
        const id = previous.id;
        (row as TsdbRow).seriesId = id;
        if (!head.insert(id, row.ts, row.value)) {
          result.duplicates++;
          continue;
        }
        if (w !== window || !record) {
          window = w;
          record = records.get(w);
          if (!record) records.set(w, (record = { packed: new Float64Array(rows.length * 3), n: 0 }));
        }
        record.packed[record.n++] = id;
        record.packed[record.n++] = row.ts;
        record.packed[record.n++] = row.value;
      }
      for (const [w, { packed, n }] of records) log.append(w, packed.subarray(0, n));
    });
  } catch (err) {
    // Undo what reached the in-memory head: the transaction that would have made it durable is gone.
    for (const { packed, n } of records.values()) {
      for (let i = 0; i < n; i += 3) head.remove(packed[i]!, packed[i + 1]!, packed[i + 1]! + 1);
    }
    series.rollback();
    log.rollback();
    throw err;
  }
  series.commit();
  log.commit();
  for (const { n } of records.values()) result.written += n / 3;
  return result;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
