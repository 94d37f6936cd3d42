import type { HubDb } from '../../core/db.js';
import type { Preset, Requirements } from './sizing.js';

export type TenantStatus = 'pending' | 'running' | 'failed' | 'deleting';

export interface Tenant {
  tenantId: string;
  name: string;
  description: string | null;
  preset: Preset;
  isDemo: boolean;
  status: TenantStatus;
  requirements: Requirements;
  slaAvailability: string;
  slaResponseTime: string;
  slaConcurrentUsers: number | null;
  namespace: string;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  tenant_id: string;
  name: string;
  description: string | null;
  preset: Preset;
  is_demo: number;
  status: TenantStatus;
  service_requirements: string;
  sla_availability: string;
  sla_response_time: string;
  sla_concurrent_users: number | null;
  namespace: string;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): Tenant => ({
  tenantId: r.tenant_id,
  name: r.name,
  description: r.description,
  preset: r.preset,
  isDemo: r.is_demo === 1,
  status: r.status,
  requirements: JSON.parse(r.service_requirements) as Requirements,
  slaAvailability: r.sla_availability,
  slaResponseTime: r.sla_response_time,
  slaConcurrentUsers: r.sla_concurrent_users,
  namespace: r.namespace,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface TenantFilter {
  preset?: Preset;
  status?: TenantStatus;
  skip: number;
  limit: number;
}

/** ECP-AI tenants in hub.db (`ecp_tenants`). */
export class TenantStore {
  constructor(private readonly db: HubDb) {}

  get(tenantId: string): Tenant | null {
    const row = this.db.prepare('SELECT * FROM ecp_tenants WHERE tenant_id = ?').get(tenantId) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM ecp_tenants').get() as { n: number }).n;
  }

  /** A page in creation order, with the counts of the whole filtered set. */
  list(f: TenantFilter): { tenants: Tenant[]; total: number; demo: number; active: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.preset) {
      where.push('preset = ?');
      args.push(f.preset);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const counts = this.db
      .prepare(`SELECT count(*) AS total, coalesce(sum(is_demo), 0) AS demo, coalesce(sum(status = 'running'), 0) AS active FROM ecp_tenants ${clause}`)
      .get(...args) as { total: number; demo: number; active: number };
    const rows = this.db.prepare(`SELECT * FROM ecp_tenants ${clause} ORDER BY created_at, tenant_id LIMIT ? OFFSET ?`).all(...args, f.limit, f.skip) as Row[];
    return { tenants: rows.map(fromRow), ...counts };
  }

  /** Inserts; false when the id is taken. */
  insert(t: Tenant): boolean {
    const r = this.db
      .prepare(
        `INSERT INTO ecp_tenants (tenant_id, name, description, preset, is_demo, status, service_requirements, sla_availability, sla_response_time,
           sla_concurrent_users, namespace, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING`,
      )
      .run(
        t.tenantId,
        t.name,
        t.description,
        t.preset,
        t.isDemo ? 1 : 0,
        t.status,
        JSON.stringify(t.requirements),
        t.slaAvailability,
        t.slaResponseTime,
        t.slaConcurrentUsers,
        t.namespace,
        t.createdBy,
        t.createdAt,
        t.updatedAt,
      );
    return r.changes === 1;
  }

  update(t: Tenant): void {
    this.db
      .prepare(
        `UPDATE ecp_tenants SET name = ?, description = ?, preset = ?, status = ?, service_requirements = ?, sla_availability = ?, sla_response_time = ?,
           sla_concurrent_users = ?, updated_at = ? WHERE tenant_id = ?`,
      )
      .run(t.name, t.description, t.preset, t.status, JSON.stringify(t.requirements), t.slaAvailability, t.slaResponseTime, t.slaConcurrentUsers, t.updatedAt, t.tenantId);
  }

  setStatus(tenantId: string, status: TenantStatus, now: number): void {
    this.db.prepare('UPDATE ecp_tenants SET status = ?, updated_at = ? WHERE tenant_id = ?').run(status, now, tenantId);
  }

  remove(tenantId: string): void {
    this.db.prepare('DELETE FROM ecp_tenants WHERE tenant_id = ?').run(tenantId);
  }
}
