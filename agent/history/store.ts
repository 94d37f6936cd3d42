import Database from 'better-sqlite3';
import type { Labels, Sample } from '../../shared/schema/message.js';
import { matchesAll } from '../../shared/query/matchers.js';
import type { Bucket, Matcher, SeriesRef, SeriesSource } from '../../shared/query/types.js';

function canonicalLabels(labels: Labels | undefined): string {
  if (!labels) return '{}';
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * The agent's own recent history (default 24 h), answering `kcloud-agent
 * query` with no network. Raw samples in one WITHOUT ROWID table keyed by
 * (series, ts): a sample costs ~20 bytes on disk, so 250 samples/s for 24 h
 * is ~450 MB. The hub keeps the long, compressed history.
 */
export class HistoryStore implements SeriesSource {
  private readonly seriesIds = new Map<string, number>();
  private readonly insertSample: Database.Statement<[number, number, number]>;
  private readonly insertSeries: Database.Statement<[string, string]>;

  private constructor(
    private readonly db: Database.Database,
    private readonly retentionMs: number,
  ) {
    this.insertSample = db.prepare('INSERT OR REPLACE INTO samples (series_id, ts, value) VALUES (?, ?, ?)');
    this.insertSeries = db.prepare('INSERT INTO series (metric, labels) VALUES (?, ?)');
    for (const row of db.prepare('SELECT id, metric, labels FROM series').all() as { id: number; metric: string; labels: string }[]) {
      this.seriesIds.set(`${row.metric}${row.labels}`, row.id);
    }
  }

  /** Opens (creating if needed) the store; `readonly` for the CLI beside a running agent. */
  static open(file: string, opts: { retentionMs: number; readonly?: boolean }): HistoryStore {
    const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (metric, labels));
        CREATE TABLE IF NOT EXISTS samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
      `);
    }
    db.pragma('busy_timeout = 5000');
    return new HistoryStore(db, opts.retentionMs);
  }

  private seriesId(metric: string, labels: Labels | undefined): number {
    const canon = canonicalLabels(labels);
    const key = `${metric}${canon}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id = Number(this.insertSeries.run(metric, canon).lastInsertRowid);
      this.seriesIds.set(key, id);
    }
    return id;
  }

  /** Stores one collection batch in a single transaction. */
  append(samples: readonly Sample[], fallbackTs: number): void {
    this.db.transaction(() => {
      for (const s of samples) this.insertSample.run(this.seriesId(s.metric, s.labels), s.ts ?? fallbackTs, s.value);
    })();
  }

  /** Deletes samples older than the retention. */
  prune(now: number): void {
    this.db.prepare('DELETE FROM samples WHERE ts < ?').run(now - this.retentionMs);
  }

  findSeries(metric: string, matchers: readonly Matcher[]): SeriesRef[] {
    const rows = this.db.prepare('SELECT id, labels FROM series WHERE metric = ?').all(metric) as { id: number; labels: string }[];
    return rows
      .map((r) => ({ id: r.id, metric, labels: JSON.parse(r.labels) as Labels }))
      .filter((s) => matchesAll(s.labels, matchers));
  }

  /** Raw samples as count-1 buckets; the agent keeps no rollups. */
  *readBuckets(seriesId: number, start: number, end: number): Iterable<Bucket> {
    const stmt = this.db.prepare('SELECT ts, value FROM samples WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts').raw();
    for (const [ts, value] of stmt.iterate(seriesId, start, end) as Iterable<[number, number]>) {
      yield { ts, min: value, max: value, sum: value, count: 1, first: value, last: value, increase: 0 };
    }
  }

  /** Metric names present in the store. */
  metrics(): string[] {
    return (this.db.prepare('SELECT DISTINCT metric FROM series ORDER BY metric').all() as { metric: string }[]).map((r) => r.metric);
  }

  close(): void {
    this.db.close();
  }
}
