import type { TransactionRunner } from '../core/transaction-runner.js';
import type { SeqLedger } from './dedupe.js';
import type { NodeStateWriter } from './node-state.js';
import type { Accepted, SampleRow, SampleWriter, StoredRow } from './types.js';

/** The result of one message inside a group commit. */
export type Committed =
  | { status: 'stored'; rows: StoredRow[]; inventoryChanged: boolean }
  | { status: 'duplicate' };

export interface CommitDeps {
  /** hub.db's transaction runner (seqs and node state). */
  inTransaction: TransactionRunner;
  writer: SampleWriter;
  ledger: SeqLedger;
  state: NodeStateWriter;
}

/**
 * Samples of a batch as store rows; the node and cluster labels come from
 * the identity check, never from the payload. The decoded samples become the
 * rows in place (the message was parsed for this commit alone): a copy per
 * sample was 6 % of the hub's ingest CPU in bench/ingest.ts, plus its GC.
 */
export function toRows(a: Extract<Accepted, { kind: 'telemetry' }>): SampleRow[] {
  const { cluster, name } = a.node;
  const rows = a.msg.samples as SampleRow[];
  for (const s of a.msg.samples) {
    const labels = (s.labels ??= {});
    labels.cluster = cluster;
    labels.node = name;
    s.ts ??= a.msg.ts;
  }
  return rows;
}

/**
 * Steps 4 and 5, for a whole group: dedupe by (node, seq), write the samples
 * (one tsdb transaction), then record the seqs and node state (one hub.db
 * transaction). The samples commit first: a crash between the two commits
 * leaves the seq unrecorded, the agent redelivers, and the store keeps one
 * sample per (series, ts). The other order could acknowledge a batch whose
 * samples were never written.
 */
export function commitGroup(items: Accepted[], deps: CommitDeps, now: number): Committed[] {
  const inGroup = new Set<string>();
  const results: Committed[] = items.map((a) => {
    if (a.kind !== 'telemetry') return { status: 'stored', rows: [], inventoryChanged: false };
    const key = `${a.node.id}:${a.msg.seq}`;
    if (inGroup.has(key) || deps.ledger.has(a.node.id, a.msg.seq)) return { status: 'duplicate' };
    inGroup.add(key);
    // Typed as stored: the write below sets every row's seriesId or the filter drops it.
    return { status: 'stored', rows: toRows(a) as StoredRow[], inventoryChanged: false };
  });
  const rows = results.flatMap((r) => (r.status === 'stored' ? r.rows : []));
  const written = rows.length > 0 ? deps.writer.write(rows) : { rejected: 0 };
  if (written.rejected > 0) {
    // Rows the store refused (older than raw retention) have no series and reach no consumer.
    for (const r of results) if (r.status === 'stored') r.rows = r.rows.filter((row) => row.seriesId !== undefined);
  }
  const bookkeeping = () => {
    items.forEach((a, i) => {
      const r = results[i]!;
      if (a.kind === 'telemetry') {
        if (r.status === 'duplicate') return deps.state.seen(a.node.id, now);
        deps.ledger.record(a.node.id, a.msg.seq, now);
        deps.state.telemetry(a.node.id, a.msg.seq, a.msg.samples.length, now);
      } else if (a.kind === 'status') {
        deps.state.status(a.node.id, a.msg, now);
      } else if (r.status === 'stored') {
        r.inventoryChanged = deps.state.inventory(a.node.id, a.msg, now);
      }
    });
  };
  try {
    deps.inTransaction(bookkeeping);
  } catch (err) {
    deps.ledger.rollback();
    deps.state.rollback();
    throw err;
  }
  return results;
}
