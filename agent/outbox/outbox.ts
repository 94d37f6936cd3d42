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
  /** Batches waiting for a PUBACK. */
  depth: number;
  /** Payload bytes waiting. */
  bytes: number;
  /** Batches dropped (oldest first) for the byte or age bound, since this outbox file was created. */
  dropped: number;
  /** `ts` of the oldest waiting batch. */
  oldestTs: number | null;
}

/** The statements the outbox runs, prepared once. */
function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare<[number, number, Buffer, number]>('INSERT INTO outbox (seq, ts, payload, bytes) VALUES (?, ?, ?, ?)'),
    ack: db.prepare<[number], { bytes: number }>('DELETE FROM outbox WHERE seq = ? RETURNING bytes'),
    after: db.prepare<[number, number], OutboxRow>('SELECT seq, ts, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?'),
    oldest: db.prepare<[], { seq: number; ts: number; bytes: number }>('SELECT seq, ts, bytes FROM outbox ORDER BY seq LIMIT 1'),
    drop: db.prepare<[number]>('DELETE FROM outbox WHERE seq = ?'),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE key = ?'),
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
  };
}

/** The outbox's SQLite page cache, KiB. */
const CACHE_KIB = 512;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, payload BLOB NOT NULL, bytes INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/**
 * The agent's durable queue: every telemetry batch is committed here before
 * it is published, and deleted only when the broker acknowledges it (PUBACK).
 *
 * WAL with synchronous=FULL: each commit is fsynced, so an accepted batch
 * survives kill -9 *and* a power cut. NORMAL would survive kill -9 only; after
 * a power cut it can roll back the last commits, and with them `next_seq`, so
 * the agent would re-use seqs the hub already stored and the hub would drop
 * the new batches as duplicates. The cost is one fsync per batch and per ack
 * (~1/s each, `mqtt.replayRate`/s while a backlog drains): ~0.1 ms each on
 * the dev VM's ext4.
 *
 * `seq` is the row id. A fresh outbox starts at the current time in ms, so a
 * wiped data directory never re-uses a seq the hub already stored: seqs grow
 * by one per batch (about one per second), far slower than the clock.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private depth: number;
  private bytes: number;
  private dropped: number;
  private next: number;

  private constructor(
    file: string,
    private readonly limits: OutboxLimits,
    now: number,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // A queue: the newest pages and the oldest row's; better-sqlite3's default 16 MB page cache would grow into the agent's memory (issue 20).
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.db.exec(SCHEMA);
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', ?), ('dropped', 0)").run(now);
    this.stmt = prepareStatements(this.db);
    const totals = this.db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbox').get() as { n: number; b: number };
    this.depth = totals.n;
    this.bytes = totals.b;
    this.dropped = this.stmt.getMeta.get('dropped')!.value;
    this.next = this.stmt.getMeta.get('next_seq')!.value;
  }

  /** Opens (creating if needed) the outbox file; `now` seeds the seq of a new file. */
  static open(file: string, limits: OutboxLimits, now = Date.now()): Outbox {
    return new Outbox(file, limits, now);
  }

  /**
   * Commits one batch and returns its seq. `build(seq)` makes the payload for
   * that seq, so the seq inside the payload and the row always agree.
   */
  enqueue(ts: number, build: (seq: number) => Buffer): number {
    const seq = this.next;
    const payload = build(seq);
    this.db.transaction(() => {
      this.stmt.insert.run(seq, ts, payload, payload.length);
      this.stmt.setMeta.run(seq + 1, 'next_seq');
    })();
    this.next = seq + 1;
    this.depth += 1;
    this.bytes += payload.length;
    this.enforceLimits(ts);
    return seq;
  }

  /** Deletes an acknowledged batch; false when it was already gone (acked twice, or dropped). */
  ack(seq: number): boolean {
    const row = this.stmt.ack.get(seq);
    if (!row) return false;
    this.depth -= 1;
    this.bytes -= row.bytes;
    return true;
  }

  /** Up to `limit` waiting batches with seq > afterSeq, oldest first. */
  nextBatch(afterSeq: number, limit: number): OutboxRow[] {
    return this.stmt.after.all(afterSeq, limit);
  }

  /** The seq the next enqueued batch will get. */
  nextSeq(): number {
    return this.next;
  }

  /**
   * Drops the oldest batches while over the byte bound or older than the age
   * bound, and adds them to the persistent `dropped` count; returns how many.
   */
  enforceLimits(now: number): number {
    const cutoff = now - this.limits.maxAgeMs;
    let n = 0;
    this.db.transaction(() => {
      // Rows are appended in time order, so the oldest by seq is the oldest by ts.
      for (let row = this.stmt.oldest.get(); row && (row.ts < cutoff || this.bytes > this.limits.maxBytes); row = this.stmt.oldest.get()) {
        this.stmt.drop.run(row.seq);
        this.depth -= 1;
        this.bytes -= row.bytes;
        n += 1;
      }
      if (n > 0) this.stmt.setMeta.run(this.dropped + n, 'dropped');
    })();
    this.dropped += n;
    return n;
  }

  stats(): OutboxStats {
    return { depth: this.depth, bytes: this.bytes, dropped: this.dropped, oldestTs: this.stmt.oldest.get()?.ts ?? null };
  }

  close(): void {
    this.db.close();
  }
}
