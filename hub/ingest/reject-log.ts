import type { Logger } from '../../shared/log.js';
import { RepeatWindows } from '../../shared/repeat-windows.js';
import type { RefusedSamples } from './refusals.js';
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
  private readonly windows: RepeatWindows;

  constructor(
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    this.windows = new RepeatWindows(PER_WINDOW, WINDOW_MS, now);
  }

  rejected(r: Rejection, ctx: { node: string | null; clientId: string; topic: string }): void {
    const { pass, suppressedBefore } = this.windows.hit(`${ctx.node ?? ctx.clientId}\0${r.reason}`);
    if (suppressedBefore > 0) this.log.warn({ node: ctx.node, reason: r.reason, suppressed: suppressedBefore }, 'more messages rejected (not logged one by one)');
    if (!pass) return;
    this.log.warn(
      { node: ctx.node, clientId: ctx.clientId, topic: ctx.topic.slice(0, 200), reason: r.reason, field: r.field, err: r.message.slice(0, 300) },
      'message rejected (acknowledged, not stored)',
    );
  }

  /** Samples an ingest limit refused out of stored batches: a line per commit, node and reason, within the same budget. */
  refused(r: RefusedSamples): void {
    const { pass, suppressedBefore } = this.windows.hit(`${r.node}\0${r.reason}`);
    if (suppressedBefore > 0) this.log.warn({ node: r.node, reason: r.reason, suppressed: suppressedBefore }, 'more samples refused (not logged one by one)');
    if (pass) this.log.warn({ node: r.node, reason: r.reason, samples: r.count }, 'samples refused by an ingest limit (the rest of the batch is stored)');
  }
}
