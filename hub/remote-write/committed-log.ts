import Database from 'better-sqlite3';
import type { StoredSeries } from './series-names.js';

/** One head-log record past a queue's cursor: the samples of one tsdb write in one window. */
export interface LogRecord {
  window: number;
  id: number;
  /** [series id, ts, value] triples, as head-log.ts packs them. */
  triples: Float64Array;
}

export interface Pending {
  samples: number;
  bytes: number;
  /** Timestamp of the first sample of the oldest record not sent; null when nothing is pending. */
  oldestTs: number | null;
}

const BYTES_PER_SAMPLE = 24;

/**
 * What the hub already committed, read for remote write: the tsdb's head log
 * (hub/tsdb/head-log.ts, one table per chunk window, records in commit
 * order) read through a connection of its own, and one cursor per queue and
 * window (the newest record sent) in tsdb.db's `remote_write_cursor`, so the
 * queue is the log itself: no copy of the samples, in memory or on disk, and
 * a restart or kill -9 resumes after the last record the receiver accepted.
 * The tsdb keeps a window's records past every cursor (`hold`, wired as the
 * store's logHold) until the queue sent them or dropped them for its bounds.
 */
export class CommittedLog {
  private readonly db: Database.Database;
  private readonly seriesStmt: Database.Statement;
  readonly chunkWindow: number;

  constructor(
    file: string,
    private readonly queues: readonly string[],
  ) {
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS remote_write_cursor (queue TEXT NOT NULL, window INTEGER NOT NULL, last_id INTEGER NOT NULL, PRIMARY KEY (queue, window))');
    this.seriesStmt = this.db.prepare('SELECT metric, labels FROM series WHERE id = ?');
    this.chunkWindow = Number(this.db.prepare("SELECT value FROM meta WHERE key = 'chunk_window_ms'").pluck().get());
  }

  /** Head windows, oldest first; forgets cursors of windows the tsdb dropped. */
  windows(): number[] {
    const names = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'head_[0-9]*'").pluck().all() as string[];
    const windows = names.map((n) => Number(n.slice('head_'.length))).sort((a, b) => a - b);
    const present = new Set(windows);
    for (const w of this.db.prepare('SELECT DISTINCT window FROM remote_write_cursor').pluck().all() as number[]) {
      if (!present.has(w)) this.db.prepare('DELETE FROM remote_write_cursor WHERE window = ?').run(w);
    }
    return windows;
  }

  cursor(queue: string, window: number): number {
    return (this.db.prepare('SELECT last_id FROM remote_write_cursor WHERE queue = ? AND window = ?').pluck().get(queue, window) as number | undefined) ?? 0;
  }

  /** Marks every record of `window` up to `id` as done for `queue` (sent, or dropped and counted). */
  advance(queue: string, window: number, id: number): void {
    this.db
      .prepare('INSERT INTO remote_write_cursor (queue, window, last_id) VALUES (?, ?, ?) ON CONFLICT (queue, window) DO UPDATE SET last_id = max(last_id, excluded.last_id)')
      .run(queue, window, id);
  }

  /** Records past the cursor, oldest window first and in commit order: whole records, until `maxSamples` is reached (one at least). */
  read(queue: string, maxSamples: number): LogRecord[] {
    const out: LogRecord[] = [];
    let samples = 0;
    for (const w of this.windows()) {
      const rows = this.db.prepare(`SELECT id, samples FROM head_${w} WHERE id > ? ORDER BY id`).iterate(this.cursor(queue, w)) as Iterable<{ id: number; samples: Buffer }>;
      for (const row of rows) {
        if (out.length > 0 && samples + row.samples.byteLength / BYTES_PER_SAMPLE > maxSamples) return out;
        // Copy: a Buffer's offset inside its pool need not be 8-byte aligned.
        const triples = new Float64Array(Uint8Array.prototype.slice.call(row.samples).buffer);
        out.push({ window: w, id: row.id, triples });
        samples += triples.length / 3;
      }
      // Records of later windows come after every record of this one, so a batch never skips one.
      if (out.length > 0) return out;
    }
    return out;
  }

  /** Sizes of the records past the cursor of each window, oldest first (length() reads no sample page). */
  sizes(queue: string): { window: number; id: number; bytes: number }[] {
    return this.windows().flatMap((w) =>
      (this.db.prepare(`SELECT id, length(samples) AS bytes FROM head_${w} WHERE id > ? ORDER BY id`).all(this.cursor(queue, w)) as { id: number; bytes: number }[]).map((r) => ({ window: w, ...r })),
    );
  }

  pending(queue: string): Pending {
    let bytes = 0;
    let oldestTs: number | null = null;
    for (const w of this.windows()) {
      const after = this.cursor(queue, w);
      bytes += this.db.prepare(`SELECT coalesce(sum(length(samples)), 0) FROM head_${w} WHERE id > ?`).pluck().get(after) as number;
      if (oldestTs === null) {
        const first = this.db.prepare(`SELECT samples FROM head_${w} WHERE id > ? ORDER BY id LIMIT 1`).pluck().get(after) as Buffer | undefined;
        if (first && first.byteLength >= BYTES_PER_SAMPLE) oldestTs = first.readDoubleLE(8);
      }
    }
    return { samples: bytes / BYTES_PER_SAMPLE, bytes, oldestTs };
  }

  /** For the tsdb: records of `window` with id above this must stay (not yet sent by some queue). */
  hold(window: number): number {
    let min = Infinity;
    for (const q of this.queues) min = Math.min(min, this.cursor(q, window));
    return min;
  }

  /** A series as the tsdb stores it (its name, and labels with cluster and node); remote write names it (series-names.ts) and keeps that. */
  series(seriesId: number): StoredSeries {
    const row = this.seriesStmt.get(seriesId) as { metric: string; labels: string } | undefined;
    if (!row) throw new Error(`remote write: series ${seriesId} is not in the tsdb`);
    return { metric: row.metric, labels: JSON.parse(row.labels) as Record<string, string> };
  }

  close(): void {
    this.db.close();
  }
}
