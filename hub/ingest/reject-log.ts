import type { Logger } from '../../shared/log.js';
import type { Rejection } from './types.js';

const PER_WINDOW = 5;
const WINDOW_MS = 60_000;

/**
 * Logs rejected messages with node, client, topic and field, at most
 * PER_WINDOW lines per (node, reason) a minute: a broken agent sending bad
 * batches every second must not flood the journal. The counters still
 * count every one.
 */
export class RejectLog {
  private readonly windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  rejected(r: Rejection, ctx: { node: string | null; clientId: string; topic: string }): void {
    const key = `${ctx.node ?? ctx.clientId}\0${r.reason}`;
    const t = this.now();
    let w = this.windows.get(key);
    // Bounded: keys come from the network (client ids of unknown senders).
    if (!w && this.windows.size >= 10_000) this.windows.clear();
    if (!w || t - w.start >= WINDOW_MS) {
      if (w && w.suppressed > 0) this.log.warn({ node: ctx.node, reason: r.reason, suppressed: w.suppressed }, 'more messages rejected (not logged one by one)');
      w = { start: t, logged: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.logged >= PER_WINDOW) {
      w.suppressed += 1;
      return;
    }
    w.logged += 1;
    this.log.warn(
      { node: ctx.node, clientId: ctx.clientId, topic: ctx.topic.slice(0, 200), reason: r.reason, field: r.field, err: r.message.slice(0, 300) },
      'message rejected (acknowledged, not stored)',
    );
  }
}
