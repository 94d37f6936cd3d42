import type { Statement } from 'better-sqlite3';
import type { HubDb } from '../core/db.js';
import { NAME_PATTERN } from '../../shared/topics.js';
import { assertNameFree, IdentityError } from './names.js';
import { machineDigest } from './machine-credentials.js';
import { hashPassword } from './passwords.js';
import { revocationsOf } from './revocations.js';

/** A registered agent and what the hub last heard from it. */
export interface NodeInfo {
  id: number;
  name: string;
  cluster: string;
  createdAt: number;
  disabled: boolean;
  /** From the node's retained status message and its Last Will; `unknown` until the first one. */
  state: 'unknown' | 'online' | 'offline';
  stateTs: number | null;
  agentVersion: string | null;
  lastSeen: number | null;
  lastSeq: number | null;
  batches: number;
  samples: number;
  /** Seq jumps within one outbox lifetime (see docs/hub.md). */
  gaps: number;
  /** Seqs skipped by those jumps and not (yet) back-filled. */
  missing: number;
}

interface NodeRow {
  id: number;
  name: string;
  cluster: string;
  password_hash: string;
  created_at: number;
  disabled: number;
  state: NodeInfo['state'];
  state_ts: number | null;
  agent_version: string | null;
  last_seen: number | null;
  last_seq: number | null;
  batches: number;
  samples: number;
  gaps: number;
  missing: number;
}

const toNode = (r: NodeRow): NodeInfo => ({
  id: r.id,
  name: r.name,
  cluster: r.cluster,
  createdAt: r.created_at,
  disabled: r.disabled === 1,
  state: r.state,
  stateTs: r.state_ts,
  agentVersion: r.agent_version,
  lastSeen: r.last_seen,
  lastSeq: r.last_seq,
  batches: r.batches,
  samples: r.samples,
  gaps: r.gaps,
  missing: r.missing,
});

/** Registered agents: MQTT credentials (username = node name) and the state ingest keeps. */
export class NodeStore {
  private readonly statements = new Map<string, Statement>();

  /** `credentialKey`: the hub's node-credential key (machine-credentials.ts); without it (the CLI) passwords are stored as argon2 and rewritten as keyed hashes by the hub on their first successful login. */
  constructor(
    private readonly db: HubDb,
    private readonly credentialKey: Buffer | null = null,
  ) {}

  /** Prepared once per store: credential() runs for every MQTT connect and every HTTP Basic request. */
  private cached(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  /** Registers a node with its MQTT password (hashed here). */
  async add(name: string, cluster: string, password: string): Promise<NodeInfo> {
    if (!NAME_PATTERN.test(cluster)) throw new IdentityError(`invalid cluster "${cluster}": letters, digits, '.', '_' and '-'`);
    assertNameFree(this.db, name);
    const hash = this.credentialKey ? machineDigest(this.credentialKey, password) : await hashPassword(password);
    return this.db.transaction(() => {
      assertNameFree(this.db, name);
      this.cached('INSERT INTO nodes (name, cluster, password_hash, created_at) VALUES (?, ?, ?, ?)').run(name, cluster, hash, Date.now());
      return this.byName(name)!;
    }).immediate();
  }

  byName(name: string): NodeInfo | null {
    const row = this.cached('SELECT * FROM nodes WHERE name = ?').get(name) as NodeRow | undefined;
    return row ? toNode(row) : null;
  }

  /** A node with its password hash, for authentication; null when absent or disabled. */
  credential(name: string): { node: NodeInfo; passwordHash: string } | null {
    const row = this.cached('SELECT * FROM nodes WHERE name = ? AND disabled = 0').get(name) as NodeRow | undefined;
    return row ? { node: toNode(row), passwordHash: row.password_hash } : null;
  }

  /** Replaces a node's argon2 hash with its keyed hash after a successful check; a no-op when the credential changed meanwhile. */
  upgradeCredential(id: number, oldHash: string, newHash: string): void {
    this.cached('UPDATE nodes SET password_hash = ? WHERE id = ? AND password_hash = ?').run(newHash, id, oldHash);
  }

  list(cluster?: string): NodeInfo[] {
    const rows = cluster
      ? (this.cached('SELECT * FROM nodes WHERE cluster = ? ORDER BY cluster, name').all(cluster) as NodeRow[])
      : (this.cached('SELECT * FROM nodes ORDER BY cluster, name').all() as NodeRow[]);
    return rows.map(toNode);
  }

  /**
   * Unregisters a node: its credential stops working at once and its dedupe
   * and inventory rows go with it; its samples stay in the store (history).
   */
  remove(name: string): void {
    const info = this.cached('DELETE FROM nodes WHERE name = ?').run(name);
    if (info.changes === 0) throw new IdentityError(`no node "${name}"`);
    // Its open MQTT connection is closed (hub/broker/embedded.ts).
    revocationsOf(this.db).announce({ kind: 'node', name });
  }
}
