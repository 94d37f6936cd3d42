import type { DeploymentTask } from '../../integrations/kubernetes/deployment-tasks.js';
import { liveView, stepView } from '../../integrations/kubernetes/task-rollout.js';
import type { EcpConfig } from '../../integrations/kubernetes/ecp-config.js';
import { gpuTypeOf, quantity, type ServiceType, type Sizing } from '../../integrations/kubernetes/sizing.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import { sizingOf } from '../../integrations/kubernetes/tenant-manifest.js';
import type { TenantLive } from './tenant-live.js';

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

/**
 * GET /deployment-status: a demo task or a deletion from the task (what it
 * has applied or deleted and what is left); a real apply from the live
 * namespace as well (task-rollout.ts: Deployments available, rolling out or
 * failed, its events in the logs), and `live` says where that came from or
 * why it could not be read (then its Deployments are `Unknown`).
 */
export function deploymentStatus(task: DeploymentTask, stepMs: number, now: number, replicas: Map<string, number>, live: TenantLive | null) {
  const fromCluster = live !== null && task.kind !== 'delete';
  const view = fromCluster && live.live ? liveView(task, live.live) : stepView(task, replicas, fromCluster);
  const open = task.status === 'deploying';
  const stepsLeft = task.steps.length - task.done;
  return {
    tenant_id: task.tenantId,
    deployment_id: task.id,
    is_demo: task.isDemo,
    kind: task.kind,
    status: task.status,
    progress: view.progress,
    phase: view.phase,
    created_resources: view.created,
    pending_resources: view.pending,
    // Steps left x the step interval; a rollout's end is the cluster's to tell (null while only that is left).
    estimated_completion: open ? (stepsLeft > 0 ? iso(now + stepsLeft * stepMs) : null) : task.finishedAt !== null ? iso(task.finishedAt) : null,
    logs: view.logs,
    ...(live ? { live: { cluster: live.cluster, source: task.kind === 'delete' ? null : live.source, reason: task.kind === 'delete' ? 'a deletion is shown from its steps' : live.reason } } : {}),
  };
}
