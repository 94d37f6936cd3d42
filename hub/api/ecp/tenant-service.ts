import type { Static } from '@sinclair/typebox';
import type { HubDb } from '../../core/db.js';
import { applySteps, deleteSteps, DeploymentTaskStore, newTaskId, type DeploymentTask, type TaskKind } from '../../integrations/kubernetes/deployment-tasks.js';
import type { EcpConfig } from '../../integrations/kubernetes/ecp-config.js';
import { tenantNamespace, type KubeObject } from '../../integrations/kubernetes/manifest.js';
import { manifestOf, sizingOf } from '../../integrations/kubernetes/tenant-manifest.js';
import { PRESET_BANDS, PRESETS, parseAvailability, parseResponseTime, presetFor, type Preset, type Requirements, type Sla, type Sizing } from '../../integrations/kubernetes/sizing.js';
import { TenantStore, type Tenant } from '../../integrations/kubernetes/tenant-store.js';
import { shortageOf } from '../../integrations/kubernetes/capacity-check.js';
import type { Capacity, ClusterCapacity } from '../../integrations/kubernetes/cluster-capacity.js';
import { EcpError, tenantNotFound, validationError } from './errors.js';
import type { CreateTenantBody, SlaTarget, UpdateTenantBody } from './schemas.js';

type SlaInput = Static<typeof SlaTarget>;

/** The SLA of a request (defaults for what it leaves out), or 422 naming the field. */
export function parseSla(sla: SlaInput | undefined, base: { availability: string; response_time: string } = { availability: '99.5%', response_time: '200ms' }): { sla: Sla; availability: string; responseTime: string } {
  const availability = sla?.availability ?? base.availability;
  const responseTime = sla?.response_time ?? base.response_time;
  const a = parseAvailability(availability);
  if (a === null) throw validationError('sla_target.availability', 'a percentage below 100, e.g. "99.9%"');
  const r = parseResponseTime(responseTime);
  if (r === null) throw validationError('sla_target.response_time', 'a duration between 50ms and 60s, e.g. "200ms"');
  return { sla: { availabilityPercent: a, responseMs: r }, availability, responseTime };
}

/** A preset named by the client: INVALID_PRESET when unknown. */
export function parsePreset(text: string, field = 'preset'): Preset {
  if (!(PRESETS as readonly string[]).includes(text)) throw new EcpError(400, 'INVALID_PRESET', `${field}: unknown preset "${text.slice(0, 32)}" (one of ${PRESETS.join(', ')})`, { field, valid: [...PRESETS] });
  return text as Preset;
}

const totalChannels = (r: Requirements) => Object.values(r).reduce((a, v) => a + (v ?? 0), 0);

/** The requirements without zero entries; 422 when nothing is left. */
function requirementsOf(r: Requirements): Requirements {
  const out: Requirements = {};
  for (const [k, v] of Object.entries(r) as [keyof Requirements, number][]) if (v > 0) out[k] = v;
  if (totalChannels(out) === 0) throw validationError('service_requirements', 'at least one service needs channels');
  return out;
}

/** The preset a tenant gets: the client's, when its band holds the channels (else 422), or the smallest that does. */
function presetOf(requested: string | undefined, channels: number): Preset {
  const needed = presetFor(channels);
  if (requested === undefined) return needed;
  const preset = parsePreset(requested);
  if (PRESET_BANDS[preset] < channels) throw validationError('preset', `${channels} concurrent channels need preset ${needed} or larger`);
  return preset;
}

/** Real tenants need a cluster (`kubernetes.clusters`); without one they are refused, demo tenants still work. */
function refuseReal(): never {
  throw new EcpError(503, 'KUBERNETES_ERROR', 'no Kubernetes cluster is configured on this hub (kubernetes.clusters): real tenants (X-Demo-Mode: false) cannot be deployed; demo tenants (X-Demo-Mode: true) can', {
    hint: 'X-Demo-Mode: true',
  });
}

/**
 * Tenants and their deployment tasks: every change is one hub.db
 * transaction that writes the tenant and the task the deployer (demo:
 * simulation) then carries out step by step.
 */
export class TenantService {
  readonly tenants: TenantStore;
  readonly tasks: DeploymentTaskStore;

  constructor(
    private readonly db: HubDb,
    private readonly config: EcpConfig,
    /** The cluster real tenants go to; null: none configured. */
    readonly cluster: string | null,
    private readonly now: () => number = Date.now,
  ) {
    this.tenants = new TenantStore(db);
    this.tasks = new DeploymentTaskStore(db);
  }

  get(tenantId: string): Tenant {
    const t = this.tenants.get(tenantId);
    if (!t) throw tenantNotFound(tenantId);
    return t;
  }

  /** A tenant to change: only in its own mode, so a demo-mode client can never change (or delete) what runs on a cluster. */
  private forMode(tenantId: string, isDemo: boolean): Tenant {
    const t = this.get(tenantId);
    if (t.isDemo !== isDemo) {
      throw new EcpError(409, 'DEMO_MODE_MISMATCH', `tenant ${tenantId} is ${t.isDemo ? 'a demo' : 'a real'} tenant: change it with X-Demo-Mode: ${t.isDemo}`, { tenant_id: tenantId, is_demo: t.isDemo });
    }
    return t;
  }

  private task(tenant: Tenant, kind: TaskKind, objects: KubeObject[], now: number): DeploymentTask {
    const steps = kind === 'delete' ? deleteSteps(objects) : applySteps(objects);
    const message = kind === 'delete' ? 'deletion started' : kind === 'update' ? 're-size started' : 'deployment started';
    return {
      id: newTaskId(kind),
      tenantId: tenant.tenantId,
      kind,
      isDemo: tenant.isDemo,
      status: 'deploying',
      steps,
      done: 0,
      logs: [{ timestamp: new Date(now).toISOString(), level: 'info', message: `${message}${tenant.isDemo ? ' (demo: simulated, nothing is applied to a cluster)' : ''}` }],
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
  }

  /** What the real tenants other than `except` hold on the cluster: their sizing's requests (demo tenants hold nothing). */
  heldByOthers(except?: string): Capacity {
    const held: Capacity = { cpuMilli: 0, memoryBytes: 0, gpu: 0 };
    for (const t of this.tenants.list({ skip: 0, limit: this.config.maxTenants }).tenants) {
      if (t.isDemo || t.tenantId === except) continue;
      const s = sizingOf(t);
      held.cpuMilli += s.cpuMilli;
      held.memoryBytes += s.memoryMi * 1024 ** 2;
      held.gpu += s.gpu;
    }
    return held;
  }

  /**
   * A real tenant's requests against the cluster's live capacity (read by
   * the caller, null: none configured) beside the other real tenants'
   * quotas: 409 INSUFFICIENT_RESOURCES when they do not fit; the reason as
   * a warning when the cluster could not be read (the deployment retries).
   */
  private capacityWarnings(tenant: Tenant, capacity: ClusterCapacity | null | undefined): string[] {
    if (tenant.isDemo || capacity === undefined) return [];
    const s = sizingOf(tenant);
    const found = shortageOf({ cpuMilli: s.cpuMilli, memoryBytes: s.memoryMi * 1024 ** 2, gpu: s.gpu }, capacity, this.heldByOthers(tenant.tenantId));
    if (found === null) return [];
    if ('unchecked' in found) return [found.unchecked];
    const x = found.shortage;
    throw new EcpError(409, 'INSUFFICIENT_RESOURCES', `tenant ${tenant.tenantId} requests ${x.requested} ${x.resource}; cluster ${this.cluster} has ${x.free} free (${x.allocatable} allocatable, ${x.held} held by other tenants)`, {
      tenant_id: tenant.tenantId,
      cluster: this.cluster,
      ...x,
    });
  }

  /** `capacity`: the tenant's cluster read live for a real tenant (create answers INSUFFICIENT_RESOURCES when it does not fit); undefined: not checked. */
  create(body: Static<typeof CreateTenantBody>, isDemo: boolean, userId: number | null, capacity?: ClusterCapacity | null): { tenant: Tenant; task: DeploymentTask; sizing: Sizing; warnings: string[] } {
    const requirements = requirementsOf(body.service_requirements as Requirements);
    const preset = presetOf(body.preset, totalChannels(requirements));
    const { availability, responseTime } = parseSla(body.sla_target);
    const existing = this.tenants.get(body.tenant_id);
    if (existing) throw conflict(existing);
    if (!isDemo && !this.cluster) refuseReal();
    const now = this.now();
    const tenant: Tenant = {
      tenantId: body.tenant_id,
      name: body.name,
      description: body.description ?? null,
      preset,
      isDemo,
      status: 'pending',
      requirements,
      slaAvailability: availability,
      slaResponseTime: responseTime,
      slaConcurrentUsers: body.sla_target?.concurrent_users ?? null,
      namespace: tenantNamespace(body.tenant_id),
      createdBy: userId,
      createdAt: now,
      updatedAt: now,
    };
    const task = this.task(tenant, 'create', manifestOf(tenant), now);
    let warnings: string[] = [];
    this.db.transaction(() => {
      if (this.tenants.count() >= this.config.maxTenants) {
        throw new EcpError(409, 'TENANT_LIMIT_REACHED', `this hub keeps at most ${this.config.maxTenants} tenants (ecp.maxTenants)`, { max_tenants: this.config.maxTenants });
      }
      // In the transaction: two creates cannot both count the same free capacity.
      warnings = this.capacityWarnings(tenant, capacity);
      for (const w of warnings) task.logs.push({ timestamp: new Date(now).toISOString(), level: 'warning', message: w });
      // A concurrent create of the same id lost the race between the check above and here.
      if (!this.tenants.insert(tenant)) throw conflict(this.tenants.get(tenant.tenantId) ?? tenant);
      this.tasks.insert(task);
    }).immediate();
    return { tenant, task, sizing: sizingOf(tenant), warnings };
  }

  /** Changes what was given; a change of the sizing cancels an open deployment and starts a re-size (re-apply). */
  /** `capacity` as for create: a re-size that no longer fits is INSUFFICIENT_RESOURCES (a rename is not checked). */
  update(tenantId: string, body: Static<typeof UpdateTenantBody>, isDemo: boolean, capacity?: ClusterCapacity | null): { tenant: Tenant; task: DeploymentTask | null; warnings: string[] } {
    const current = this.forMode(tenantId, isDemo);
    if (current.status === 'deleting') throw new EcpError(409, 'TENANT_DELETING', `tenant ${tenantId} is being deleted`, { tenant_id: tenantId });
    const merged = { ...current.requirements, ...(body.service_requirements ?? {}) } as Requirements;
    const requirements = body.service_requirements ? requirementsOf(merged) : current.requirements;
    const preset = body.preset !== undefined || body.service_requirements ? presetOf(body.preset ?? current.preset, totalChannels(requirements)) : current.preset;
    const { availability, responseTime } = parseSla(body.sla_target, { availability: current.slaAvailability, response_time: current.slaResponseTime });
    if (!current.isDemo && !this.cluster) refuseReal();
    const now = this.now();
    const tenant: Tenant = {
      ...current,
      name: body.name ?? current.name,
      description: body.description !== undefined ? body.description : current.description,
      preset,
      requirements,
      slaAvailability: availability,
      slaResponseTime: responseTime,
      slaConcurrentUsers: body.sla_target?.concurrent_users ?? current.slaConcurrentUsers,
      updatedAt: now,
    };
    const resized = JSON.stringify(manifestOf(tenant)) !== JSON.stringify(manifestOf(current));
    let task: DeploymentTask | null = null;
    if (resized) {
      tenant.status = 'pending';
      task = this.task(tenant, 'update', manifestOf(tenant), now);
    }
    let warnings: string[] = [];
    this.db.transaction(() => {
      if (task) {
        warnings = this.capacityWarnings(tenant, capacity);
        for (const w of warnings) task.logs.push({ timestamp: new Date(now).toISOString(), level: 'warning', message: w });
      }
      if (task) this.tasks.cancelOpen(tenantId, now);
      this.tenants.update(tenant);
      if (task) this.tasks.insert(task);
    }).immediate();
    return { tenant, task, warnings };
  }

  /** Starts the deletion; a tenant already being deleted answers its deletion. An open deployment needs `force` (it is cancelled). */
  delete(tenantId: string, force: boolean, isDemo: boolean): DeploymentTask {
    const tenant = this.forMode(tenantId, isDemo);
    const open = this.tasks.latest(tenantId);
    if (tenant.status === 'deleting' && open?.kind === 'delete' && open.status === 'deploying') return open;
    if (open?.status === 'deploying' && !force) {
      throw new EcpError(409, 'DEPLOYMENT_IN_PROGRESS', `tenant ${tenantId} has a deployment in progress; delete with force=true to cancel it`, { tenant_id: tenantId, deployment_id: open.id });
    }
    if (!tenant.isDemo && !this.cluster) refuseReal();
    const now = this.now();
    const task = this.task(tenant, 'delete', manifestOf(tenant), now);
    this.db.transaction(() => {
      this.tasks.cancelOpen(tenantId, now);
      this.tenants.setStatus(tenantId, 'deleting', now);
      this.tasks.insert(task);
    }).immediate();
    return task;
  }
}

function conflict(existing: Tenant): EcpError {
  return new EcpError(409, 'TENANT_ALREADY_EXISTS', `a tenant with id ${existing.tenantId} already exists`, { tenant_id: existing.tenantId, existing_status: existing.status });
}
