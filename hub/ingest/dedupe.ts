import type Database from 'better-sqlite3';
import type { HubDb } from '../core/db.js';
import { addSeq, containsSeq, type SeqRange } from './seq-ranges.js';

/**
 * The seqs of every stored telemetry batch, per node, so a batch redelivered
 * after a lost PUBACK, a reconnect or an agent restart is stored once. Kept
 * as ranges of consecutive seqs (an agent's seqs run consecutively: one row
 * for a node that never lost a batch) in `ingested_ranges`, mirrored in
 * memory per node once it is first needed, so the check costs no query and
 * recording a seq is usually one UPDATE.
 *
 * The mirror is dropped when a commit fails (reloaded from the table, which
 * rolled back) and at every prune; a node removed while its range is held is
 * noticed when the table no longer has the row to update.
 */
export class SeqLedger {
  private readonly byNode = new Map<number, SeqRange[]>();
  private readonly loadStmt: Database.Statement<[number], SeqRange>;
  private readonly insertStmt: Database.Statement<[number, number, number, number]>;
  private readonly updateStmt: Database.Statement<[number, number, number, number, number]>;
  private readonly deleteStmt: Database.Statement<[number, number]>;

  constructor(private readonly db: HubDb) {
    this.loadStmt = db.prepare('SELECT lo, hi, received_at AS receivedAt FROM ingested_ranges WHERE node_id = ? ORDER BY lo');
    // Through `nodes`, so a node removed while its batch was in flight is skipped, not a foreign-key error failing the whole group.
    this.insertStmt = db.prepare('INSERT INTO ingested_ranges (node_id, lo, hi, received_at) SELECT id, ?, ?, ? FROM nodes WHERE id = ?');
    this.updateStmt = db.prepare('UPDATE ingested_ranges SET lo = ?, hi = ?, received_at = ? WHERE node_id = ? AND lo = ?');
    this.deleteStmt = db.prepare('DELETE FROM ingested_ranges WHERE node_id = ? AND lo = ?');
  }

  private ranges(nodeId: number): SeqRange[] {
    let ranges = this.byNode.get(nodeId);
    if (!ranges) this.byNode.set(nodeId, (ranges = this.loadStmt.all(nodeId)));
    return ranges;
  }

  has(nodeId: number, seq: number): boolean {
    return containsSeq(this.ranges(nodeId), seq);
  }

  /** Records a stored seq; call inside the commit's transaction, and `rollback()` if it fails. */
  record(nodeId: number, seq: number, receivedAt: number): void {
    let applied = true;
    for (const c of addSeq(this.ranges(nodeId), seq, receivedAt)) {
      if (c.op === 'insert') applied = this.insertStmt.run(c.range.lo, c.range.hi, c.range.receivedAt, nodeId).changes > 0;
      else if (c.op === 'update') applied = this.updateStmt.run(c.range.lo, c.range.hi, c.range.receivedAt, nodeId, c.oldLo).changes > 0;
      else this.deleteStmt.run(nodeId, c.lo);
    }
    // The node's rows are gone (it was removed): forget what was held for it.
    if (!applied) this.byNode.delete(nodeId);
  }

  /** The transaction that recorded seqs rolled back: the table is the truth again. */
  rollback(): void {
    this.byNode.clear();
  }

  /** Drops ranges that last grew before `before`; returns how many. */
  prune(before: number): number {
    this.byNode.clear();
    return this.db.prepare('DELETE FROM ingested_ranges WHERE received_at < ?').run(before).changes;
  }
}
