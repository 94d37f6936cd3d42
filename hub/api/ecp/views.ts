import type { DeploymentTask } from '../../integrations/kubernetes/deployment-tasks.js';
import { taskPhase, taskProgress } from '../../integrations/kubernetes/deployment-tasks.js';
import type { EcpConfig } from '../../integrations/kubernetes/ecp-config.js';
import { gpuTypeOf, quantity, type ServiceType, type Sizing } from '../../integrations/kubernetes/sizing.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import { sizingOf } from '../../integrations/kubernetes/tenant-manifest.js';

const iso = (ms: number) => new Date(ms).toISOString();

const SERVICE_KIND: Record<ServiceType, string> = {
  callbot: 'ai_service',
  chatbot: 'ai_service',
  advisor: 'ai_service',
  stt: 'speech_service',
  tts: 'speech_service',
  ta: 'analytics_service',
  qa: 'analytics_service',
};

export const resourcesOf = (s: Sizing) => ({ cpu: quantity.cpu(s.cpuMilli), memory: quantity.memory(s.memoryMi), gpu: s.gpu, storage: quantity.storage(s.storageGi) });

/** A tenant in the list (the seed's `tenants[]`): the limits are its quota, the sum of its pods' requests. */
export function tenantSummary(t: Tenant, config: EcpConfig) {
  const s = sizingOf(t);
  return {
    tenant_id: t.tenantId,
    name: t.name,
    preset: t.preset,
    is_demo: t.isDemo,
    status: t.status,
    services_count: s.services.length,
    cpu_limit: quantity.cpu(s.cpuMilli),
    memory_limit: quantity.memory(s.memoryMi),
    gpu_limit: s.gpu,
    storage_limit: quantity.storage(s.storageGi),
    gpu_type: gpuTypeOf(s, config),
    sla_availability: t.slaAvailability,
    sla_response_time: t.slaResponseTime,
    created_at: iso(t.createdAt),
    description: t.description,
  };
}

/** One tenant (the seed's detail shape) with its services' replicas and per-replica resources. */
export function tenantDetail(t: Tenant, config: EcpConfig, deploymentId?: string) {
  const s = sizingOf(t);
  return {
    tenant_id: t.tenantId,
    name: t.name,
    preset: t.preset,
    is_demo: t.isDemo,
    status: t.status,
    service_requirements: t.requirements as Record<string, number>,
    resources: resourcesOf(s),
    gpu_type: gpuTypeOf(s, config),
    sla_target: { availability: t.slaAvailability, response_time: t.slaResponseTime, ...(t.slaConcurrentUsers !== null ? { concurrent_users: t.slaConcurrentUsers } : {}) },
    services: s.services.map((v) => ({
      service_name: v.service,
      service_type: SERVICE_KIND[v.service],
      enabled: true,
      count: v.channels,
      replicas: v.replicas,
      image: `ecp-ai/${v.service}:latest`,
      resources: {
        cpu_request: quantity.cpu(v.cpuRequestMilli),
        memory_request: quantity.memory(v.memoryRequestMi),
        cpu_limit: quantity.cpu(v.cpuLimitMilli),
        memory_limit: quantity.memory(v.memoryLimitMi),
        gpu: v.gpu,
      },
    })),
    namespace: t.namespace,
    description: t.description,
    ...(deploymentId ? { deployment_id: deploymentId } : {}),
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}

const DONE_STATUS: Record<string, string> = { Namespace: 'Active', Deployment: 'Available', Service: 'Active' };

/** GET /deployment-status from the task: what it has applied (or deleted) and what is left, with an estimate from the step interval. */
export function deploymentStatus(task: DeploymentTask, stepMs: number, now: number, replicas: Map<string, number>) {
  const deleting = task.kind === 'delete';
  const created = task.steps.slice(0, task.done).map((s) => {
    const n = s.type === 'Deployment' ? replicas.get(s.name) : undefined;
    const status = deleting ? 'Deleted' : (DONE_STATUS[s.type] ?? 'Created');
    return { type: s.type, name: s.name, status, ...(n !== undefined && !deleting ? { replicas: `${n}/${n}` } : {}) };
  });
  const open = task.status === 'deploying';
  const pending = task.steps.slice(task.done).map((s, i) => ({ type: s.type, name: s.name, status: !open ? 'Cancelled' : i === 0 ? (deleting ? 'Terminating' : 'Progressing') : 'Pending' }));
  return {
    tenant_id: task.tenantId,
    deployment_id: task.id,
    is_demo: task.isDemo,
    kind: task.kind,
    status: task.status,
    progress: taskProgress(task),
    phase: taskPhase(task),
    created_resources: created,
    pending_resources: pending,
    estimated_completion: open ? iso(now + (task.steps.length - task.done) * stepMs) : task.finishedAt !== null ? iso(task.finishedAt) : null,
    logs: task.logs,
  };
}
