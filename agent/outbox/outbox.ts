import Database from 'better-sqlite3';

export interface OutboxLimits {
  /** Payload bytes kept at most; beyond, the oldest batches are dropped (and counted). */
  maxBytes: number;
  /** Batches older than this are dropped (and counted). */
  maxAgeMs: number;
}

export interface OutboxRow {
  seq: number;
  ts: number;
  payload: Buffer;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  dropped: number;
  oldestTs: number | null;
}

/**
 * The agent's durable queue: every telemetry batch is committed here before
 * it is published and deleted only when the broker acknowledges it (PUBACK).
 *
 * WAL with synchronous=NORMAL: a committed batch survives a crash or kill -9
 * of the agent (the WAL is in the OS page cache); only a power cut inside the
 * last checkpoint interval could lose the newest batches. FULL would fsync
 * every second and wear SD/eMMC-booted hosts for little gain.
 *
 * `seq` is the row id. A fresh outbox starts its sequence at the current time
 * in milliseconds, so a wiped data directory never re-uses a seq that the hub
 * already stored (it would be dropped there as a duplicate).
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, number, Buffer, number]>;
  private readonly deleteSeq: Database.Statement<[number]>;
  private readonly selectAfter: Database.Statement<[number, number], OutboxRow>;
  private readonly selectNewest: Database.Statement<[number], OutboxRow>;
  private depth = 0;
  private bytes = 0;
  private dropped = 0;

  constructor(
    file: string,
    private readonly limits: OutboxLimits,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, payload BLOB NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', ${Date.now()}), ('dropped', 0);
    `);
    this.insert = this.db.prepare('INSERT INTO outbox (seq, ts, payload, bytes) VALUES (?, ?, ?, ?)');
    this.deleteSeq = this.db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.selectAfter = this.db.prepare('SELECT seq, ts, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.selectNewest = this.db.prepare('SELECT seq, ts, payload FROM outbox ORDER BY seq DESC LIMIT ?');
    const totals = this.db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbox').get() as { n: number; b: number };
    this.depth = totals.n;
    this.bytes = totals.b;
    this.dropped = this.meta('dropped');
  }

  private meta(key: string): number {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
  }

  /**
   * Commits one batch. `build(seq)` makes the payload for the seq the batch
   * gets, so the seq inside the payload and the row always agree.
   */
  enqueue(ts: number, build: (seq: number) => Buffer): number {
    const seq = this.db.transaction(() => {
      const next = this.meta('next_seq');
      const payload = build(next);
      this.insert.run(next, ts, payload, payload.length);
      this.db.prepare("UPDATE meta SET value = ? WHERE key = 'next_seq'").run(next + 1);
      this.depth += 1;
      this.bytes += payload.length;
      return next;
    })();
    this.enforceLimits(ts);
    return seq;
  }

  /** Removes an acknowledged batch; true when it was still there. */
  ack(seq: number): boolean {
    const row = this.db.prepare('SELECT bytes FROM outbox WHERE seq = ?').get(seq) as { bytes: number } | undefined;
    if (!row) return false;
    this.deleteSeq.run(seq);
    this.depth -= 1;
    this.bytes -= row.bytes;
    return true;
  }

  /** Oldest batches with seq > afterSeq. */
  after(afterSeq: number, limit: number): OutboxRow[] {
    return this.selectAfter.all(afterSeq, limit);
  }

  /** Newest batches, newest first. */
  newest(limit: number): OutboxRow[] {
    return this.selectNewest.all(limit);
  }

  /** The seq the next batch will get. */
  nextSeq(): number {
    return this.meta('next_seq');
  }

  /** Drops the oldest batches while over the byte bound or older than the age bound; returns how many. */
  enforceLimits(now: number): number {
    let n = 0;
    const tooOld = this.db.prepare('SELECT seq, bytes FROM outbox WHERE ts < ? ORDER BY seq').all(now - this.limits.maxAgeMs) as { seq: number; bytes: number }[];
    const oldest = this.db.prepare('SELECT seq, bytes FROM outbox ORDER BY seq LIMIT 256');
    const drop = (rows: { seq: number; bytes: number }[]) => {
      for (const r of rows) {
        this.deleteSeq.run(r.seq);
        this.depth -= 1;
        this.bytes -= r.bytes;
        n += 1;
      }
    };
    this.db.transaction(() => {
      drop(tooOld);
      while (this.bytes > this.limits.maxBytes && this.depth > 0) {
        const rows = oldest.all() as { seq: number; bytes: number }[];
        const cut: typeof rows = [];
        let excess = this.bytes - this.limits.maxBytes;
        for (const r of rows) {
          if (excess <= 0) break;
          cut.push(r);
          excess -= r.bytes;
        }
        drop(cut);
      }
      if (n > 0) {
        this.dropped += n;
        this.db.prepare("UPDATE meta SET value = ? WHERE key = 'dropped'").run(this.dropped);
      }
    })();
    return n;
  }

  stats(): OutboxStats {
    const oldest = this.db.prepare('SELECT min(ts) AS t FROM outbox').get() as { t: number | null };
    return { depth: this.depth, bytes: this.bytes, dropped: this.dropped, oldestTs: oldest.t };
  }

  close(): void {
    this.db.close();
  }
}
