import type Database from 'better-sqlite3';
import type { HubDb } from '../core/db.js';

/**
 * The (node, seq) of every stored telemetry batch, so a batch redelivered
 * after a lost PUBACK, a reconnect or an agent restart is stored once.
 * Rows older than the raw retention are pruned: a batch that old would be
 * outside the store anyway.
 */
export class SeqLedger {
  private readonly hasStmt: Database.Statement<[number, number]>;
  private readonly insertStmt: Database.Statement<[number, number, number]>;

  constructor(private readonly db: HubDb) {
    this.hasStmt = db.prepare('SELECT 1 FROM ingested_seq WHERE node_id = ? AND seq = ?');
    // Through `nodes`, so a node removed while its batch was in flight is skipped, not a foreign-key error failing the whole group.
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO ingested_seq (node_id, seq, received_at) SELECT id, ?, ? FROM nodes WHERE id = ?');
  }

  has(nodeId: number, seq: number): boolean {
    return this.hasStmt.get(nodeId, seq) !== undefined;
  }

  /** Records a stored seq; call inside the commit's transaction. */
  record(nodeId: number, seq: number, receivedAt: number): void {
    this.insertStmt.run(seq, receivedAt, nodeId);
  }

  /** Drops entries received before `before`; returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM ingested_seq WHERE received_at < ?').run(before).changes;
  }
}
