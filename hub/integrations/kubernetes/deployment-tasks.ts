import { randomBytes } from 'node:crypto';
import type { HubDb } from '../../core/db.js';
import type { KubeObject } from './manifest.js';

export type TaskKind = 'create' | 'update' | 'delete';
export type TaskStatus = 'deploying' | 'completed' | 'failed' | 'cancelled';

export interface TaskStep {
  type: string;
  name: string;
  phase: string;
}

export interface TaskLog {
  timestamp: string;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface DeploymentTask {
  id: string;
  tenantId: string;
  kind: TaskKind;
  isDemo: boolean;
  status: TaskStatus;
  steps: TaskStep[];
  done: number;
  logs: TaskLog[];
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

interface Row {
  id: string;
  tenant_id: string;
  kind: TaskKind;
  is_demo: number;
  status: TaskStatus;
  steps: string;
  done: number;
  logs: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** Logs a task keeps (the newest). */
export const MAX_TASK_LOGS = 100;

const fromRow = (r: Row): DeploymentTask => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind,
  isDemo: r.is_demo === 1,
  status: r.status,
  steps: JSON.parse(r.steps) as TaskStep[],
  done: r.done,
  logs: JSON.parse(r.logs) as TaskLog[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

const PHASE: Record<string, string> = {
  Namespace: 'creating-namespace',
  ConfigMap: 'configuring-namespace',
  ResourceQuota: 'configuring-namespace',
  LimitRange: 'configuring-namespace',
  Deployment: 'creating-deployments',
  Service: 'creating-services',
};

/** The steps of applying a manifest: one per object, in the manifest's (apply) order. */
export function applySteps(objects: KubeObject[]): TaskStep[] {
  return objects.map((o) => ({ type: o.kind, name: o.metadata.name, phase: PHASE[o.kind] ?? 'configuring-access' }));
}

/** The steps of deleting a tenant: its Deployments scale away, then the namespace (and all in it) goes. */
export function deleteSteps(objects: KubeObject[]): TaskStep[] {
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => ({ type: o.kind, name: o.metadata.name, phase: 'terminating-services' }));
  const ns = objects.find((o) => o.kind === 'Namespace')!;
  return [...deployments, { type: 'Namespace', name: ns.metadata.name, phase: 'deleting-namespace' }];
}

export const taskProgress = (t: Pick<DeploymentTask, 'done' | 'steps'>) => (t.steps.length === 0 ? 100 : Math.round((t.done / t.steps.length) * 100));
/** The phase of a real apply task whose objects are all applied while its Deployments roll out (the seed's WebSocket example names it). */
export const ROLLOUT_PHASE = 'scaling-services';

/** The open step's phase; ROLLOUT_PHASE once every step is taken and the task still waits (its Deployments rolling out). */
export const taskPhase = (t: Pick<DeploymentTask, 'done' | 'steps' | 'status'>) => (t.status === 'deploying' ? (t.steps[t.done]?.phase ?? ROLLOUT_PHASE) : t.status);

/** `dep-…` for deployments, `del-…` for deletions (the seed's ids). */
export const newTaskId = (kind: TaskKind) => `${kind === 'delete' ? 'del' : 'dep'}-${randomBytes(8).toString('hex')}`;

/** Deployment tasks in hub.db (`ecp_deployments`). */
export class DeploymentTaskStore {
  constructor(private readonly db: HubDb) {}

  get(id: string): DeploymentTask | null {
    const row = this.db.prepare('SELECT * FROM ecp_deployments WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The tenant's newest task. */
  latest(tenantId: string): DeploymentTask | null {
    const row = this.db.prepare('SELECT * FROM ecp_deployments WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(tenantId) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  open(): DeploymentTask[] {
    return (this.db.prepare("SELECT * FROM ecp_deployments WHERE status = 'deploying' ORDER BY created_at, rowid").all() as Row[]).map(fromRow);
  }

  insert(t: DeploymentTask): void {
    this.db
      .prepare('INSERT INTO ecp_deployments (id, tenant_id, kind, is_demo, status, steps, done, logs, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.tenantId, t.kind, t.isDemo ? 1 : 0, t.status, JSON.stringify(t.steps), t.done, JSON.stringify(t.logs.slice(-MAX_TASK_LOGS)), t.createdAt, t.updatedAt, t.finishedAt);
  }

  /** Writes an open task's progress; false when it is no longer open (cancelled while a step ran), nothing written then. */
  save(t: DeploymentTask): boolean {
    return (
      this.db
        .prepare("UPDATE ecp_deployments SET status = ?, done = ?, logs = ?, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'deploying'")
        .run(t.status, t.done, JSON.stringify(t.logs.slice(-MAX_TASK_LOGS)), t.updatedAt, t.finishedAt, t.id).changes === 1
    );
  }

  /** Cancels the tenant's open tasks (a forced delete, a re-size); returns how many. */
  cancelOpen(tenantId: string, now: number): number {
    return this.db.prepare("UPDATE ecp_deployments SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE tenant_id = ? AND status = 'deploying'").run(now, now, tenantId).changes;
  }
}
