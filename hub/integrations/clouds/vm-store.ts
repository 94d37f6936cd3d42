import type { HubDb } from '../../core/db.js';
import type { Viewer } from './credential-store.js';
import type { CloudProvider } from './provider-error.js';

export const VM_STATUSES = ['pending', 'running', 'stopping', 'stopped', 'terminating', 'failed'] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export interface CloudVm {
  id: string;
  name: string;
  provider: CloudProvider;
  workspaceId: string;
  credentialId: string;
  instanceType: string;
  region: string;
  zone: string | null;
  imageId: string;
  keyPair: string | null;
  instanceId: string | null;
  status: VmStatus;
  statusReason: string | null;
  publicIp: string | null;
  privateIp: string | null;
  clientRequestId: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  provider: CloudProvider;
  workspace_id: string;
  credential_id: string;
  instance_type: string;
  region: string;
  zone: string | null;
  image_id: string;
  key_pair: string | null;
  instance_id: string | null;
  status: VmStatus;
  status_reason: string | null;
  public_ip: string | null;
  private_ip: string | null;
  client_request_id: string;
  created_at: number;
  updated_at: number;
}

const toVm = (r: Row): CloudVm => ({
  id: r.id,
  name: r.name,
  provider: r.provider,
  workspaceId: r.workspace_id,
  credentialId: r.credential_id,
  instanceType: r.instance_type,
  region: r.region,
  zone: r.zone,
  imageId: r.image_id,
  keyPair: r.key_pair,
  instanceId: r.instance_id,
  status: r.status,
  statusReason: r.status_reason,
  publicIp: r.public_ip,
  privateIp: r.private_ip,
  clientRequestId: r.client_request_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Sortable fields of GET /vms (API name -> column). */
export const VM_SORT = { name: 'v.name', created_at: 'v.created_at', status: 'v.status', provider: 'v.provider' } as const;

const IN_WORKSPACE_OF_VIEWER = `(@admin = 1 OR v.workspace_id IN (SELECT workspace_id FROM workspace_members WHERE user_id = @userId))`;

export type NewVm = Omit<CloudVm, 'instanceId' | 'status' | 'statusReason' | 'publicIp' | 'privateIp' | 'zone' | 'updatedAt'> & { zone: string | null; createdBy: number };

/** A VM the hub did not create, recorded with what the provider said of its instance. */
export type ImportedVm = NewVm & VmObservation & { instanceId: string };

/**
 * The VM managing one provider instance: EC2 ids and ARM ids are unique to
 * the provider (ARM ids case-insensitively), GCE names only within a zone
 * (the VM's region). Two projects' same-named instances in one zone count
 * as one: the second import is refused rather than an instance managed twice.
 */
const MANAGING = `SELECT * FROM cloud_vms WHERE provider = @provider AND instance_id = @instanceId COLLATE NOCASE AND (provider <> 'gcp' OR region = @region) LIMIT 1`;

/** What the provider said of a VM at one look: the reconciler writes it. */
export interface VmObservation {
  status: VmStatus;
  statusReason: string | null;
  publicIp: string | null;
  privateIp: string | null;
  zone: string | null;
}

/** The VMs the hub created or imported, in `cloud_vms`; reads are limited to the workspaces a viewer belongs to (all for admins). */
export class CloudVmStore {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts a pending VM, or returns the one this workspace already made with the same client request id. */
  insertOrExisting(vm: NewVm): { vm: CloudVm; created: boolean } {
    const done = this.db
      .prepare(
        `INSERT INTO cloud_vms (id, name, provider, workspace_id, credential_id, created_by, instance_type, region, zone, image_id, key_pair, status, client_request_id, created_at, updated_at)
         VALUES (@id, @name, @provider, @workspaceId, @credentialId, @createdBy, @instanceType, @region, @zone, @imageId, @keyPair, 'pending', @clientRequestId, @createdAt, @createdAt)
         ON CONFLICT (workspace_id, client_request_id) DO NOTHING`,
      )
      .run(vm);
    const row = this.db.prepare('SELECT * FROM cloud_vms WHERE workspace_id = ? AND client_request_id = ?').get(vm.workspaceId, vm.clientRequestId) as Row;
    return { vm: toVm(row), created: done.changes > 0 };
  }

  /** Inserts an imported VM unless a VM already manages its instance (one transaction): returns the new record, or the one that manages it. */
  insertImported(vm: ImportedVm): { vm: CloudVm; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.managing(vm);
      if (existing) return { vm: existing, created: false };
      this.db
        .prepare(
          `INSERT INTO cloud_vms (id, name, provider, workspace_id, credential_id, created_by, instance_type, region, zone, image_id, key_pair, instance_id, status, status_reason, public_ip, private_ip, client_request_id, created_at, updated_at)
           VALUES (@id, @name, @provider, @workspaceId, @credentialId, @createdBy, @instanceType, @region, @zone, @imageId, @keyPair, @instanceId, @status, @statusReason, @publicIp, @privateIp, @clientRequestId, @createdAt, @createdAt)`,
        )
        .run(vm);
      return { vm: this.get(vm.id)!, created: true };
    })();
  }

  /** The VM (in any workspace) that manages this provider instance, if one does. */
  managing(instance: { provider: CloudProvider; region: string; instanceId: string }): CloudVm | null {
    const row = this.db.prepare(MANAGING).get({ provider: instance.provider, region: instance.region, instanceId: instance.instanceId }) as Row | undefined;
    return row ? toVm(row) : null;
  }

  get(id: string): CloudVm | null {
    const row = this.db.prepare('SELECT * FROM cloud_vms WHERE id = ?').get(id) as Row | undefined;
    return row ? toVm(row) : null;
  }

  visible(id: string, who: Viewer): CloudVm | null {
    const row = this.db.prepare(`SELECT v.* FROM cloud_vms v WHERE v.id = @id AND ${IN_WORKSPACE_OF_VIEWER}`).get({ id, userId: who.userId, admin: who.admin ? 1 : 0 }) as Row | undefined;
    return row ? toVm(row) : null;
  }

  list(
    who: Viewer,
    filter: { workspaceIds: readonly string[] | null; providers: readonly string[] | null; statuses: readonly string[] | null; order: string; limit: number; offset: number },
  ): { vms: CloudVm[]; total: number } {
    const params = {
      userId: who.userId,
      admin: who.admin ? 1 : 0,
      ws: JSON.stringify(filter.workspaceIds ?? []),
      allWs: filter.workspaceIds ? 0 : 1,
      prov: JSON.stringify(filter.providers ?? []),
      allProv: filter.providers ? 0 : 1,
      st: JSON.stringify(filter.statuses ?? []),
      allSt: filter.statuses ? 0 : 1,
    };
    const where = `WHERE ${IN_WORKSPACE_OF_VIEWER}
      AND (@allWs = 1 OR v.workspace_id IN (SELECT value FROM json_each(@ws)))
      AND (@allProv = 1 OR v.provider IN (SELECT value FROM json_each(@prov)))
      AND (@allSt = 1 OR v.status IN (SELECT value FROM json_each(@st)))`;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM cloud_vms v ${where}`).get(params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT v.* FROM cloud_vms v ${where} ${filter.order} LIMIT @limit OFFSET @offset`).all({ ...params, limit: filter.limit, offset: filter.offset }) as Row[];
    return { vms: rows.map(toVm), total };
  }

  setInstance(id: string, instanceId: string, seen: VmObservation): void {
    this.db
      .prepare('UPDATE cloud_vms SET instance_id = @instanceId, status = @status, status_reason = @statusReason, public_ip = @publicIp, private_ip = @privateIp, zone = coalesce(@zone, zone), updated_at = @now WHERE id = @id')
      .run({ id, instanceId, ...seen, now: this.now() });
  }

  observe(id: string, seen: VmObservation): void {
    this.db
      .prepare('UPDATE cloud_vms SET status = @status, status_reason = @statusReason, public_ip = @publicIp, private_ip = @privateIp, zone = coalesce(@zone, zone), updated_at = @now WHERE id = @id')
      .run({ id, ...seen, now: this.now() });
  }

  setStatus(id: string, status: VmStatus, reason: string | null): void {
    this.db.prepare('UPDATE cloud_vms SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?').run(status, reason, this.now(), id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM cloud_vms WHERE id = ?').run(id).changes > 0;
  }

  /** VMs whose provider state the reconciler still follows: starting, terminating, or not yet launched. */
  inFlight(): CloudVm[] {
    return (this.db.prepare("SELECT * FROM cloud_vms WHERE status IN ('pending', 'stopping', 'terminating') ORDER BY created_at").all() as Row[]).map(toVm);
  }
}
