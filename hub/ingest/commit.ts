import type { TransactionRunner } from '../core/transaction-runner.js';
import type { SeqLedger } from './dedupe.js';
import { isMessageFault } from './fault.js';
import type { NodeStateWriter } from './node-state.js';
import type { SampleRefusals } from './refusals.js';
import type { Accepted, Rejection, SampleRow, SampleWriter, StoredRow } from './types.js';

/** The result of one message inside a group commit. */
export type Committed =
  | { status: 'stored'; rows: StoredRow[]; inventoryChanged: boolean }
  | { status: 'duplicate' }
  | { status: 'rejected'; rejection: Rejection };

export interface CommitDeps {
  /** hub.db's transaction runner (seqs and node state); called inside itself it opens a savepoint. */
  inTransaction: TransactionRunner;
  writer: SampleWriter;
  ledger: SeqLedger;
  state: NodeStateWriter;
  /** Where samples refused for their timestamp are counted (the store's series limits count theirs there too). */
  refusals: SampleRefusals;
}

/** Sample times a group accepts: [earliest, latest] in ms. */
export interface TimeBounds {
  /** Older is beyond the raw retention: the store would drop it anyway. */
  earliest: number;
  /** Now plus the clock tolerance: later is a clock far ahead or a bogus timestamp. */
  latest: number;
}

/**
 * Samples of a batch as store rows; the node and cluster labels come from
 * the identity check, never from the payload. The decoded samples become the
 * rows in place (the message was parsed for this commit alone): a copy per
 * sample was 6 % of the hub's ingest CPU in bench/ingest.ts, plus its GC.
 * A sample outside `bounds` is refused and counted for the node; one stamped
 * 9.99e12 would otherwise be the node's "current" value until 2286 (issue
 * 14, item 10). Two comparisons a sample; the array is compacted only when
 * something was refused.
 */
export function toRows(a: Extract<Accepted, { kind: 'telemetry' }>, bounds: TimeBounds, refusals: SampleRefusals): SampleRow[] {
  const { cluster, name } = a.node;
  const rows = a.msg.samples as SampleRow[];
  let kept = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i]!;
    const ts = (s.ts ??= a.msg.ts);
    if (ts > bounds.latest || ts < bounds.earliest) {
      refusals.add(name, ts > bounds.latest ? 'future_timestamp' : 'too_old');
      continue;
    }
    const labels = (s.labels ??= {});
    labels.cluster = cluster;
    labels.node = name;
    if (kept !== i) rows[kept] = s;
    kept++;
  }
  if (kept < rows.length) rows.length = kept;
  return rows;
}

const unprocessable = (err: unknown): Committed => ({
  status: 'rejected',
  rejection: { reason: 'unprocessable', field: '/', message: `commit failed on this message alone: ${(err as Error).message}` },
});

/**
 * Steps 4 and 5, for a whole group: dedupe by (node, seq), write the samples
 * (one tsdb transaction), then record the seqs and node state (one hub.db
 * transaction). The samples commit first: a crash between the two commits
 * leaves the seq unrecorded, the agent redelivers, and the store keeps one
 * sample per (series, ts). The other order could acknowledge a batch whose
 * samples were never written.
 *
 * One message cannot fail the others: when a step throws for a reason that
 * lies in a message (isMessageFault), the step is redone message by message
 * and only the messages that fail alone are rejected (acknowledged, so they
 * are not resent forever); the rest commit. Before, one poisoned inventory
 * failed its whole group and left another node's publishes unacknowledged
 * and its connection closed (issue 14, item 6). An error of the databases
 * themselves still fails the group, unacknowledged, for the senders to retry.
 */
export function commitGroup(items: Accepted[], deps: CommitDeps, now: number, bounds: TimeBounds): Committed[] {
  const inGroup = new Set<string>();
  const results: Committed[] = items.map((a) => {
    if (a.kind !== 'telemetry') return { status: 'stored', rows: [], inventoryChanged: false };
    const key = `${a.node.id}:${a.msg.seq}`;
    if (inGroup.has(key) || deps.ledger.has(a.node.id, a.msg.seq)) return { status: 'duplicate' };
    inGroup.add(key);
    // Typed as stored: the write below sets every row's seriesId or the filter drops it.
    return { status: 'stored', rows: toRows(a, bounds, deps.refusals) as StoredRow[], inventoryChanged: false };
  });
  writeSamples(results, deps.writer);
  recordGroup(items, results, deps, now);
  return results;
}

/** The samples of every stored result, in one store transaction (one per message when one of them fails it). */
function writeSamples(results: Committed[], writer: SampleWriter): void {
  // Loops, not flatMap (3-4 % of the hub's CPU in bench/ingest.ts's profile): a group of one message (most groups at
  // a paced 100 000 samples/s) hands its own rows over, a larger group copies into an array of the right size.
  let total = 0;
  let only: StoredRow[] | null = null;
  for (const r of results) {
    if (r.status !== 'stored' || r.rows.length === 0) continue;
    only = total === 0 ? r.rows : null;
    total += r.rows.length;
  }
  if (total === 0) return;
  let rows = only;
  if (!rows) {
    rows = new Array<StoredRow>(total);
    let at = 0;
    for (const r of results) if (r.status === 'stored') for (let i = 0; i < r.rows.length; i++) rows[at++] = r.rows[i]!;
  }
  let rejected: number;
  try {
    rejected = writer.write(rows).rejected;
  } catch (err) {
    if (!isMessageFault(err)) throw err;
    rejected = 0;
    results.forEach((r, i) => {
      if (r.status !== 'stored' || r.rows.length === 0) return;
      // Ids the failed write set belong to series it rolled back; a row refused this time must not keep one.
      for (const row of r.rows as SampleRow[]) delete row.seriesId;
      try {
        rejected += writer.write(r.rows).rejected;
      } catch (e) {
        if (!isMessageFault(e)) throw e;
        results[i] = unprocessable(e);
      }
    });
  }
  if (rejected > 0) {
    // Rows the store refused (older than raw retention, or a new series over the node's limits) have no series and reach no consumer.
    for (const r of results) if (r.status === 'stored') r.rows = r.rows.filter((row) => row.seriesId !== undefined);
  }
}

/** Records seqs and node state in one hub.db transaction; again with a savepoint per message when one of them fails it. */
function recordGroup(items: Accepted[], results: Committed[], deps: CommitDeps, now: number): void {
  const record = (i: number) => {
    const a = items[i]!;
    const r = results[i]!;
    if (r.status === 'rejected') return;
    if (a.kind === 'telemetry') {
      if (r.status === 'duplicate') return deps.state.seen(a.node.id, now);
      deps.ledger.record(a.node.id, a.msg.seq, now);
      deps.state.telemetry(a.node.id, a.msg.seq, a.msg.samples.length, now);
    } else if (a.kind === 'status') {
      deps.state.status(a.node.id, a.msg, now);
    } else if (r.status === 'stored') {
      r.inventoryChanged = deps.state.inventory(a.node.id, a.msg, now);
    }
  };
  const forgetHeld = () => {
    deps.ledger.rollback();
    deps.state.rollback();
  };
  try {
    deps.inTransaction(() => items.forEach((_, i) => record(i)));
    return;
  } catch (err) {
    forgetHeld();
    if (!isMessageFault(err)) throw err;
  }
  try {
    deps.inTransaction(() =>
      items.forEach((_, i) => {
        try {
          deps.inTransaction(() => record(i));
        } catch (e) {
          if (!isMessageFault(e)) throw e;
          // The savepoint rolled back this message's rows; what ledger and state held may include them.
          forgetHeld();
          // Its samples may be in the store already; unacknowledged and resent they would fail here again.
          results[i] = unprocessable(e);
        }
      }),
    );
  } catch (err) {
    forgetHeld();
    throw err;
  }
}
