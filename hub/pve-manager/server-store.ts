import type { HubDb } from '../core/db.js';
import type { ServerRole } from './config.js';

export type ServerState = 'creating' | 'active' | 'failed' | 'deleting';

export interface ManagedServer {
  id: number;
  name: string;
  role: ServerRole;
  clusterId: string;
  node: string | null;
  vmid: number | null;
  ipAddress: string;
  subnet: number;
  gateway: string;
  cpu: number;
  memory: number;
  diskSize: number;
  state: ServerState;
  createdAt: number;
  updatedAt: number;
}

export type NewServer = Pick<ManagedServer, 'name' | 'role' | 'clusterId' | 'ipAddress' | 'subnet' | 'gateway' | 'cpu' | 'memory' | 'diskSize'>;

interface Row {
  id: number;
  name: string;
  role: ServerRole;
  cluster_id: string;
  node: string | null;
  vmid: number | null;
  ip_address: string;
  subnet: number;
  gateway: string;
  cpu: number;
  memory: number;
  disk_size: number;
  state: ServerState;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): ManagedServer => ({
  id: r.id,
  name: r.name,
  role: r.role,
  clusterId: r.cluster_id,
  node: r.node,
  vmid: r.vmid,
  ipAddress: r.ip_address,
  subnet: r.subnet,
  gateway: r.gateway,
  cpu: r.cpu,
  memory: r.memory,
  diskSize: r.disk_size,
  state: r.state,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The servers the hub manages (pve_servers): written before their VM exists, so names, IPs and VMIDs are reserved. */
export class ServerStore {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  list(): ManagedServer[] {
    return (this.db.prepare('SELECT * FROM pve_servers ORDER BY id').all() as Row[]).map(fromRow);
  }

  get(id: number): ManagedServer | null {
    const row = this.db.prepare('SELECT * FROM pve_servers WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  nameTaken(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM pve_servers WHERE name = ?').get(name) !== undefined;
  }

  ipsInUse(): Set<string> {
    return new Set((this.db.prepare('SELECT ip_address FROM pve_servers').all() as { ip_address: string }[]).map((r) => r.ip_address));
  }

  vmidReserved(clusterId: string, vmid: number): boolean {
    return this.db.prepare('SELECT 1 FROM pve_servers WHERE cluster_id = ? AND vmid = ?').get(clusterId, vmid) !== undefined;
  }

  /** Inserts in state `creating`; throws SQLITE_CONSTRAINT_UNIQUE when the name or IP was taken meanwhile. */
  add(s: NewServer): ManagedServer {
    const now = this.now();
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO pve_servers (name, role, cluster_id, ip_address, subnet, gateway, cpu, memory, disk_size, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.name, s.role, s.clusterId, s.ipAddress, s.subnet, s.gateway, s.cpu, s.memory, s.diskSize, 'creating', now, now);
    return this.get(Number(lastInsertRowid))!;
  }

  /** A VM made outside the hub, tagged for adoption (adoption.ts): inserted `active` where it already is; throws SQLITE_CONSTRAINT_UNIQUE when its name, IP or VMID is taken. */
  adopt(s: NewServer & { node: string; vmid: number }): ManagedServer {
    const now = this.now();
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO pve_servers (name, role, cluster_id, node, vmid, ip_address, subnet, gateway, cpu, memory, disk_size, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.name, s.role, s.clusterId, s.node, s.vmid, s.ipAddress, s.subnet, s.gateway, s.cpu, s.memory, s.diskSize, 'active', now, now);
    return this.get(Number(lastInsertRowid))!;
  }

  place(id: number, node: string, vmid: number): void {
    this.db.prepare('UPDATE pve_servers SET node = ?, vmid = ?, updated_at = ? WHERE id = ?').run(node, vmid, this.now(), id);
  }

  setState(id: number, state: ServerState): void {
    this.db.prepare('UPDATE pve_servers SET state = ?, updated_at = ? WHERE id = ?').run(state, this.now(), id);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM pve_servers WHERE id = ?').run(id);
  }
}
