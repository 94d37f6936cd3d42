import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { TokenBucket } from './token-bucket.js';

/** What to do next: send a row, wait for the replay rate, or nothing is waiting. */
export type NextSend = { row: OutboxRow } | { waitMs: number } | null;

/**
 * Picks which outbox batch goes out next on one connection. Batches
 * committed since the connection came up (seq >= the watermark taken then)
 * are "live" and go first, in seq order; the backlog left
 * from the outage drains oldest-first, limited to `replayRate` batches/s, so
 * dashboards see fresh data while the gap fills behind it.
 */
export class SendOrder {
  private readonly bucket: TokenBucket;
  private watermark = 0;
  private liveCursor = 0;
  private backlogCursor = 0;
  /**
   * No backlog row is left for this connection. Rows below the watermark were all committed before it and
   * only ever go away, so once none is found none comes back: next() stops asking (each ask read a payload,
   * usually the in-flight live batch's, twice a second).
   */
  private backlogDone = false;

  constructor(
    private readonly outbox: Outbox,
    replayRate: number,
    now = Date.now(),
  ) {
    this.bucket = new TokenBucket(replayRate, Math.max(1, replayRate), now);
  }

  /** Starts a connection's pass: everything below the outbox's next seq is backlog, sent again from the start. */
  restart(): void {
    this.watermark = this.outbox.nextSeq();
    this.liveCursor = this.watermark - 1;
    this.backlogCursor = 0;
    this.backlogDone = false;
  }

  next(now = Date.now()): NextSend {
    // No row has a seq at or past nextSeq(): with the live cursor just below it, nothing new was committed.
    if (this.liveCursor < this.outbox.nextSeq() - 1) {
      const live = this.outbox.nextBatch(this.liveCursor, 1)[0];
      if (live) {
        this.liveCursor = live.seq;
        return { row: live };
      }
    }
    if (this.backlogDone) return null;
    const old = this.outbox.nextBatch(this.backlogCursor, 1)[0];
    if (!old || old.seq >= this.watermark) {
      this.backlogDone = true;
      return null;
    }
    if (!this.bucket.take(now)) return { waitMs: this.bucket.waitMs(now) };
    this.backlogCursor = old.seq;
    return { row: old };
  }
}
