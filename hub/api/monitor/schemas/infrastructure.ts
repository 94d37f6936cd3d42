import { Type } from '@sinclair/typebox';
import { Count, Envelope, Nullable, NullableEnum, PageMetadata, StringEnum, Timestamp, withErrors } from './common.js';

const Num = Nullable(Type.Number());
const Str = Nullable(Type.String());
const KUBERNETES_ONLY = 'Only Kubernetes knows it: null until a Kubernetes integration reports it';

const NodeSummary = {
  node_name: Type.String(),
  cluster: Type.String(),
  role: NullableEnum(['master', 'worker'] as const),
  status: StringEnum(['ready', 'not_ready'] as const),
  cpu_cores: Num,
  memory_gb: Num,
  power_watts: Num,
  power_source: NullableEnum(['bmc_dcmi', 'sum_of_components'] as const),
  cpu_utilization_percent: Num,
  memory_utilization_percent: Num,
  pods_count: Num,
  gpu_pods_count: Count,
  gpus_count: Count,
  kubernetes_reason: Nullable(Type.String(), { description: 'Why the Kubernetes facts (role, pods_*) are null: no connection for the cluster, cluster unreachable, no such node; null when they are current' }),
};

/** Where each part of a node's power comes from (hub/fleet/power.ts NodePower.sources). */
export const PowerSources = Type.Object({
  gpu: Str,
  cpu: Str,
  memory: Str,
  total: NullableEnum(['bmc_dcmi', 'sum_of_components'] as const),
});

export const NodeListResponse = withErrors(Envelope('node', Type.Array(Type.Object(NodeSummary)), {}, PageMetadata));

export const NodeDetailResponse = withErrors(
  Envelope(
    'node',
    Type.Object({
      ...NodeSummary,
      kubernetes_version: Str,
      os_image: Str,
      kernel_version: Str,
      container_runtime: Str,
      cpu_model: Str,
      cpu_threads: Num,
      cpu_architecture: Str,
      memory_total_gb: Num,
      memory_available_gb: Num,
      disk_total_gb: Num,
      disk_available_gb: Num,
      power: Type.Object({
        total_watts: Num,
        gpu_watts: Num,
        cpu_watts: Num,
        memory_watts: Num,
        bmc_watts: Num,
        other_watts: Num,
        sources: PowerSources,
      }),
      pods_capacity: Num,
      kubernetes: Nullable(
        Type.Object({
          ready: Nullable(Type.Boolean(), { description: 'The Ready condition; null when Unknown (the kubelet stopped reporting)' }),
          roles: Type.Array(Type.String(), { description: 'node-role.kubernetes.io/<role> labels' }),
          gpu_capacity: Num,
          gpu_allocatable: Num,
          capacity: Type.Record(Type.String(), Type.String(), { description: 'status.capacity as Kubernetes quantities' }),
          allocatable: Type.Record(Type.String(), Type.String()),
        }),
        { description: 'The watched Kubernetes node; null with kubernetes_reason' },
      ),
      gpus: Type.Array(Type.String()),
      agent_version: Str,
      last_seen: Nullable(Timestamp),
    }),
  ),
);

const PodSummary = {
  pod_name: Str,
  pod_uid: Type.String(),
  namespace: Str,
  node: Type.String(),
  cluster: Type.String(),
  status: NullableEnum(['running'] as const),
  power_watts: Num,
  energy_joules: Nullable(Type.Number(), { description: 'Σ of its processes\' GPU energy counters (each from when the agent first saw the process)' }),
  owner: Nullable(Type.Object({ kind: Type.String(), name: Type.String() }), { description: 'Its workload: Deployment (through its ReplicaSet), StatefulSet, Job, DaemonSet...; null for a bare pod or without Kubernetes facts' }),
  kubernetes_reason: Nullable(Type.String(), { description: 'Why the watch has no facts for this pod now (no connection, cluster unreachable, no such pod); null when it has' }),
  cpu_utilization_percent: Type.Null({ description: KUBERNETES_ONLY }),
  memory_used_mb: Type.Null({ description: KUBERNETES_ONLY }),
  gpu_memory_used_mb: Num,
  gpu_count: Count,
  gpu_ids: Type.Array(Type.String()),
  gpu_uuids: Type.Array(Type.String()),
  created_at: Type.Null({ description: KUBERNETES_ONLY }),
  last_seen: Nullable(Timestamp),
};

const AttributionMetadata = { source: Type.String({ description: '`gpu_process_attribution`' }) };

export const PodListResponse = withErrors(Envelope('pod', Type.Array(Type.Object(PodSummary)), {}, { ...PageMetadata, ...AttributionMetadata }));

export const PodDetailResponse = withErrors(
  Envelope(
    'pod',
    Type.Object({
      ...PodSummary,
      ip: Type.Null({ description: KUBERNETES_ONLY }),
      cpu_request: Type.Null({ description: KUBERNETES_ONLY }),
      cpu_limit: Type.Null({ description: KUBERNETES_ONLY }),
      memory_request_mb: Type.Null({ description: KUBERNETES_ONLY }),
      memory_limit_mb: Type.Null({ description: KUBERNETES_ONLY }),
      containers: Type.Array(
        Type.Object({
          name: Str,
          container_id: Str,
          image: Type.Null({ description: KUBERNETES_ONLY }),
          status: NullableEnum(['running'] as const),
          restart_count: Type.Null({ description: KUBERNETES_ONLY }),
        }),
      ),
      labels: Nullable(Type.Record(Type.String(), Type.String()), { description: 'The watched pod\'s labels; null without Kubernetes facts' }),
      processes: Type.Array(
        Type.Object({
          pid: Type.String(),
          gpu_id: Type.String(),
          uuid: Type.String(),
          container: Str,
          container_id: Str,
          power_watts: Num,
          gpu_memory_used_mb: Num,
        }),
      ),
    }),
    {},
    AttributionMetadata,
  ),
);
