import { createHash } from 'node:crypto';
import type { InventoryMessage, StatusMessage } from '../../shared/schema/message.js';
import type { HubDb } from '../core/db.js';
import { advanceSeq, type SeqState } from './gaps.js';

/** JSON with object keys sorted, so the same inventory always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Per-node state in hub.db (online, last seen, seq progress, inventory versions); every call runs inside the commit's transaction. */
export class NodeStateWriter {
  // Prepared once: these run for every telemetry batch (bench/ingest.ts showed prepare() at 3 % of the hub's CPU).
  private readonly seqStmt;
  private readonly telemetryStmt;
  private readonly seenStmt;
  private readonly seqs = new Map<number, SeqState>();

  constructor(private readonly db: HubDb) {
    this.seqStmt = db.prepare<[number], SeqState>('SELECT last_seq AS lastSeq, gaps, missing FROM nodes WHERE id = ?');
    this.telemetryStmt = db.prepare<[number, number | null, number, number, number, number]>(
      'UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?), last_seq = ?, gaps = ?, missing = ?, batches = batches + 1, samples = samples + ? WHERE id = ?',
    );
    this.seenStmt = db.prepare<[number, number]>('UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?');
  }

  /**
   * A newly stored telemetry batch. The seq state is read from hub.db once
   * per node and then held (only ingest writes it), so a batch costs one
   * UPDATE; `rollback()` drops what is held when the commit fails.
   */
  telemetry(nodeId: number, seq: number, samples: number, now: number): void {
    const held = this.seqs.get(nodeId) ?? this.seqStmt.get(nodeId);
    if (!held) return;
    const next = advanceSeq(held, seq);
    // No row updated: the node was removed meanwhile; read it afresh should it come back.
    if (this.telemetryStmt.run(now, next.lastSeq, next.gaps, next.missing, samples, nodeId).changes === 0) this.seqs.delete(nodeId);
    else this.seqs.set(nodeId, next);
  }

  /** The transaction of the last calls rolled back: hub.db is the truth again. */
  rollback(): void {
    this.seqs.clear();
  }

  /** Any message from the node, duplicates included. */
  seen(nodeId: number, now: number): void {
    this.seenStmt.run(now, nodeId);
  }

  /**
   * The node's status. The latest to arrive wins, whatever its `ts`: the
   * agent builds its Last Will (offline) when it connects, so the will
   * carries an older ts than the `online` it publishes right after.
   */
  status(nodeId: number, msg: StatusMessage, now: number): void {
    this.db
      .prepare('UPDATE nodes SET state = ?, state_ts = ?, agent_version = coalesce(?, agent_version), status_json = ?, last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?')
      .run(msg.state, now, msg.agentVersion ?? null, JSON.stringify(msg), now, nodeId);
  }

  /** Stores the inventory when it differs from the node's latest; true when it did. */
  inventory(nodeId: number, msg: InventoryMessage, now: number): boolean {
    this.seen(nodeId, now);
    const body = canonical(msg.inventory);
    const hash = createHash('sha256').update(body).digest('hex');
    const latest = this.db.prepare('SELECT hash FROM inventory WHERE node_id = ? ORDER BY id DESC LIMIT 1').get(nodeId) as { hash: string } | undefined;
    if (latest?.hash === hash) return false;
    // Through `nodes`: a node removed while its message was in flight is skipped (see SeqLedger.record).
    return this.db.prepare('INSERT INTO inventory (node_id, ts, hash, body) SELECT id, ?, ?, ? FROM nodes WHERE id = ?').run(msg.ts, hash, body, nodeId).changes > 0;
  }
}
