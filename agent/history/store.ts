import Database from 'better-sqlite3';
import type { Labels, Sample } from '../../shared/schema/message.js';
import { rawBucket } from '../../shared/query/bucket.js';
import { matchesAll } from '../../shared/query/matchers.js';
import type { Bucket, Matcher, SeriesRef, SeriesSource } from '../../shared/query/types.js';
import { decodeChunk } from './chunk.js';
import { migrate, MINUTE_MS } from './schema.js';
import { Sealer } from './sealer.js';

export interface HistoryOptions {
  /** Samples older than this are deleted. */
  retentionMs: number;
  /** For `kcloud-agent query` beside a running agent: no writes, the file must exist. */
  readonly?: boolean;
  /** Labels every series of this store carries on output (`node`, `cluster`), so answers look like the hub's. */
  labels?: Labels;
}

/** A minute is sealed once the clock is this far past its end: samples arrive in order within seconds. */
const SEAL_LAG_MS = 10_000;
/** append() prunes at most this often, so a prune deletes about a minute of data. */
const PRUNE_EVERY_MS = 60_000;
/**
 * Head rows per INSERT statement: one statement run per row was half the cost of a batch under the
 * unit's --jitless (binding and stepping per call); 50 rows a run halves it, larger runs gain nothing more.
 */
const ROWS_PER_INSERT = 50;
/** The writer's SQLite page cache, KiB. */
const WRITER_CACHE_KIB = 1024;

type ChunkRow = Omit<Bucket, 'ts'> & { minute: number; offsets: Buffer; vals: Buffer };

const minuteOf = (ts: number) => Math.floor(ts / MINUTE_MS) * MINUTE_MS;

function canonicalLabels(labels: Labels | undefined): string {
  if (!labels) return '{}';
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function prepareReads(db: Database.Database) {
  return {
    findSeries: db.prepare<[string], { id: number; labels: string }>('SELECT id, labels FROM series WHERE metric = ?'),
    metrics: db.prepare<[], { metric: string }>('SELECT DISTINCT metric FROM series ORDER BY metric'),
    chunks: db.prepare<[number, number, number], ChunkRow>(
      'SELECT minute, count, min, max, sum, first, last, increase, offsets, vals FROM chunks WHERE series_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
    ),
    // The head holds a minute or two, so filtering it by series after the ts range is cheap.
    head: db.prepare<[number, number, number], [number, number]>('SELECT ts, value FROM head WHERE ts >= ? AND ts < ? AND series_id = ? ORDER BY ts').raw(),
  };
}

function prepareWrites(db: Database.Database) {
  return {
    allSeries: db.prepare<[], { id: number; metric: string; labels: string }>('SELECT id, metric, labels FROM series'),
    series: db.prepare<[string, string]>('INSERT INTO series (metric, labels) VALUES (?, ?)'),
    sample: db.prepare<[number, number, number]>('INSERT OR REPLACE INTO head (ts, series_id, value) VALUES (?, ?, ?)'),
    // Rows in VALUES order, so of one (ts, series) given twice the later one stays, as with single inserts.
    samples: db.prepare<[readonly number[]]>(`INSERT OR REPLACE INTO head (ts, series_id, value) VALUES ${Array<string>(ROWS_PER_INSERT).fill('(?, ?, ?)').join(', ')}`),
    pruneHead: db.prepare<[number]>('DELETE FROM head WHERE ts < ?'),
    pruneChunks: db.prepare<[number, number]>('DELETE FROM chunks WHERE series_id = ? AND minute < ?'),
    hasChunks: db.prepare<[number], { one: number }>('SELECT 1 AS one FROM chunks WHERE series_id = ? LIMIT 1'),
    headSeries: db.prepare<[], [number]>('SELECT DISTINCT series_id FROM head').raw(),
    lastSealed: db.prepare<[number], { minute: number | null }>('SELECT max(minute) AS minute FROM chunks WHERE series_id = ?'),
    dropSeries: db.prepare<[number]>('DELETE FROM series WHERE id = ?'),
  };
}

/**
 * The agent's recent history (`history.retention`) in `<dataDir>/history.db`,
 * answering `kcloud-agent query` with no network, also from another process
 * while the agent writes (WAL). New samples land in `head`; whole minutes
 * are sealed into per-series chunks that carry their 1-minute rollup, so a
 * 24 h query at 1-minute steps reads 1 440 rows per series.
 */
export class HistoryStore implements SeriesSource {
  private readonly read: ReturnType<typeof prepareReads>;
  private readonly writer: {
    stmt: ReturnType<typeof prepareWrites>;
    sealer: Sealer;
    /** Canonical `metric\0labels JSON` -> series id, as stored. */
    ids: Map<string, number>;
    /** The same in the label order samples arrive in. */
    fast: Map<string, number>;
    /** Parameters of one `samples` run, reused. */
    rows: number[];
  } | null;
  private sealedBefore = 0;
  private lastPrune = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly opts: HistoryOptions,
  ) {
    this.read = prepareReads(db);
    if (opts.readonly) {
      this.writer = null;
      return;
    }
    const stmt = prepareWrites(db);
    const ids = new Map(stmt.allSeries.all().map((r) => [`${r.metric}\0${r.labels}`, r.id]));
    this.writer = { stmt, sealer: new Sealer(db), ids, fast: new Map(), rows: new Array<number>(ROWS_PER_INSERT * 3) };
    // From the file, not the clock: after a restart with the clock set back, older samples must still count as late.
    // One key seek per series; max() over the whole table would read every chunk.
    for (const id of ids.values()) {
      const last = stmt.lastSealed.get(id)?.minute ?? null;
      if (last !== null) this.sealedBefore = Math.max(this.sealedBefore, last + MINUTE_MS);
    }
  }

  /** Opens the store, creating the file and tables unless `readonly`. */
  static open(file: string, opts: HistoryOptions): HistoryStore {
    const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    // Wait out the other process's checkpoint instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      // The writer touches the head's last pages and one chunk page per series a minute; the rest comes from the
      // OS page cache when needed. better-sqlite3's default cache (16 MB a connection) would grow into the
      // agent's memory over days of history (issue 20). `kcloud-agent query` (read-only) keeps the default.
      db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      migrate(db);
    }
    return new HistoryStore(db, opts);
  }

  private get w(): NonNullable<HistoryStore['writer']> {
    if (!this.writer) throw new Error('history store is open read-only');
    return this.writer;
  }

  private seriesId(metric: string, labels: Labels | undefined): number {
    const { stmt, ids, fast } = this.w;
    // Collectors build labels in a fixed order, so the unsorted key hits; sorting per sample was the store's main cost.
    const quick = `${metric}\0${JSON.stringify(labels ?? {})}`;
    const hit = fast.get(quick);
    if (hit !== undefined) return hit;
    const canon = canonicalLabels(labels);
    const key = `${metric}\0${canon}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = Number(stmt.series.run(metric, canon).lastInsertRowid);
      ids.set(key, id);
    }
    fast.set(quick, id);
    return id;
  }

  private readonly insertBatch = (samples: readonly Sample[], now: number): void => {
    const { stmt, sealer, rows } = this.w;
    let late = false;
    // Rows fill `rows` and go out ROWS_PER_INSERT at a time; the few left at the end one by one, in order.
    let filled = 0;
    for (const s of samples) {
      const ts = s.ts ?? now;
      rows[3 * filled] = ts;
      rows[3 * filled + 1] = this.seriesId(s.metric, s.labels);
      rows[3 * filled + 2] = s.value;
      late ||= ts < this.sealedBefore;
      if (++filled === ROWS_PER_INSERT) {
        stmt.samples.run(rows);
        filled = 0;
      }
    }
    for (let j = 0; j < filled; j++) stmt.sample.run(rows[3 * j]!, rows[3 * j + 1]!, rows[3 * j + 2]!);
    // Sealing in the same transaction keeps the invariant readers rely on: head holds no sample of a sealed minute.
    const sealBefore = Math.max(this.sealedBefore, minuteOf(now - SEAL_LAG_MS));
    if (late || sealBefore > this.sealedBefore) sealer.seal(sealBefore);
    this.sealedBefore = sealBefore;
  };

  /**
   * Stores one collection batch in one transaction (the same series and ts
   * twice is one sample). `now` is the agent's clock: samples without `ts`
   * get it, and it drives sealing and the once-a-minute prune.
   */
  append(samples: readonly Sample[], now: number): void {
    this.db.transaction(this.insertBatch)(samples, now);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
  }

  /** Deletes samples older than the retention, and series left with none. */
  prune(now: number): void {
    const { stmt, ids } = this.w;
    this.lastPrune = now;
    const cutoff = now - this.opts.retentionMs;
    let dropped = false;
    this.db.transaction(() => {
      stmt.pruneHead.run(cutoff);
      // Per series, a range of the (series_id, minute) key rather than a scan. The minute that
      // straddles the cutoff stays: it still holds samples inside the retention.
      for (const id of ids.values()) stmt.pruneChunks.run(id, minuteOf(cutoff));
      const inHead = new Set(stmt.headSeries.all().map(([id]) => id));
      for (const [key, id] of ids) {
        if (inHead.has(id) || stmt.hasChunks.get(id)) continue;
        stmt.dropSeries.run(id);
        ids.delete(key);
        dropped = true;
      }
    })();
    if (dropped) this.w.fast.clear();
  }

  /** Series of a metric whose labels (with the store's own labels added) satisfy every matcher. */
  findSeries(metric: string, matchers: readonly Matcher[]): SeriesRef[] {
    return this.read.findSeries
      .all(metric)
      .map((r) => ({ id: r.id, metric, labels: { ...this.opts.labels, ...(JSON.parse(r.labels) as Labels) } }))
      .filter((s) => matchesAll(s.labels, matchers));
  }

  /**
   * Buckets of [start, end), oldest first. When the step and start are whole
   * minutes, a sealed minute inside the range is one rollup bucket; otherwise
   * chunks are unpacked into raw samples. Unsealed samples come from `head`.
   */
  readBuckets(seriesId: number, start: number, end: number, step: number): Bucket[] {
    const rollups = step % MINUTE_MS === 0 && start % MINUTE_MS === 0;
    const out: Bucket[] = [];
    for (const c of this.read.chunks.all(seriesId, minuteOf(start), end)) {
      if (rollups && c.minute + MINUTE_MS <= end) {
        out.push({ ts: c.minute, min: c.min, max: c.max, sum: c.sum, count: c.count, first: c.first, last: c.last, increase: c.increase });
        continue;
      }
      for (const [ts, v] of decodeChunk(c.minute, { offsets: c.offsets, values: c.vals })) if (ts >= start && ts < end) out.push(rawBucket(ts, v));
    }
    // Every head sample is newer than every sealed minute (see insertBatch), so this stays in time order.
    for (const [ts, v] of this.read.head.all(start, end, seriesId)) out.push(rawBucket(ts, v));
    return out;
  }

  /** Metric names present in the store. */
  metrics(): string[] {
    return this.read.metrics.all().map((r) => r.metric);
  }

  close(): void {
    this.db.close();
  }
}
