import type { HubDb } from '../../core/db.js';
import type { ClusterHealth } from './cluster-health.js';

export interface ProxmoxCluster {
  id: string;
  name: string;
  apiEndpoint: string;
  username: string;
  authMethod: 'token' | 'ticket';
  /** `user@realm!tokenid` of the token the hub created; null with tickets. */
  tokenId: string | null;
  tlsFingerprint: string | null;
  status: ClusterHealth;
  statusReason: string | null;
  proxmoxVersion: string;
  nodeCount: number;
  nodeNames: string[];
  checkedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  api_endpoint: string;
  username: string;
  auth_method: 'token' | 'ticket';
  token_id: string | null;
  tls_fingerprint: string | null;
  status: ClusterHealth;
  status_reason: string | null;
  proxmox_version: string;
  node_count: number;
  node_names: string;
  checked_at: number | null;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): ProxmoxCluster => ({
  id: r.id,
  name: r.name,
  apiEndpoint: r.api_endpoint,
  username: r.username,
  authMethod: r.auth_method,
  tokenId: r.token_id,
  tlsFingerprint: r.tls_fingerprint,
  status: r.status,
  statusReason: r.status_reason,
  proxmoxVersion: r.proxmox_version,
  nodeCount: r.node_count,
  nodeNames: JSON.parse(r.node_names) as string[],
  checkedAt: r.checked_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The registered clusters in hub.db (`proxmox_clusters`); credentials live in the secrets table. */
export class ProxmoxClusterStore {
  constructor(private readonly db: HubDb) {}

  list(): ProxmoxCluster[] {
    return (this.db.prepare('SELECT * FROM proxmox_clusters ORDER BY created_at, name').all() as Row[]).map(fromRow);
  }

  get(id: string): ProxmoxCluster | null {
    const row = this.db.prepare('SELECT * FROM proxmox_clusters WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  byName(name: string): ProxmoxCluster | null {
    const row = this.db.prepare('SELECT * FROM proxmox_clusters WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Inserts; false when the name is taken (UNIQUE), so two registrations racing cannot both win. */
  insert(c: ProxmoxCluster): boolean {
    const res = this.db
      .prepare(
        `INSERT INTO proxmox_clusters (id, name, api_endpoint, username, auth_method, token_id, tls_fingerprint, status, status_reason, proxmox_version, node_count, node_names, checked_at, created_at, updated_at)
         VALUES (@id, @name, @apiEndpoint, @username, @authMethod, @tokenId, @tlsFingerprint, @status, @statusReason, @proxmoxVersion, @nodeCount, @nodeNames, @checkedAt, @createdAt, @updatedAt)
         ON CONFLICT (name) DO NOTHING`,
      )
      .run({ ...c, nodeNames: JSON.stringify(c.nodeNames) });
    return res.changes > 0;
  }

  /** A health check's result; `updated_at` moves only when something the API shows changed. */
  recordCheck(id: string, r: { status: ClusterHealth; reason: string | null; version?: string; nodeNames?: string[] }, now: number): ProxmoxCluster | null {
    const before = this.get(id);
    if (!before) return null;
    const next = {
      status: r.status,
      statusReason: r.reason,
      proxmoxVersion: r.version ?? before.proxmoxVersion,
      nodeNames: r.nodeNames ?? before.nodeNames,
    };
    const changed = next.status !== before.status || next.proxmoxVersion !== before.proxmoxVersion || next.nodeNames.length !== before.nodeCount || next.statusReason !== before.statusReason;
    this.db
      .prepare('UPDATE proxmox_clusters SET status = ?, status_reason = ?, proxmox_version = ?, node_count = ?, node_names = ?, checked_at = ?, updated_at = ? WHERE id = ?')
      .run(next.status, next.statusReason, next.proxmoxVersion, next.nodeNames.length, JSON.stringify(next.nodeNames), now, changed ? now : before.updatedAt, id);
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM proxmox_clusters WHERE id = ?').run(id).changes > 0;
  }
}
