import { Type } from '@sinclair/typebox';
import { Count, Envelope, Nullable, StringEnum, Timestamp, withErrors } from './common.js';
import { PowerSources } from './infrastructure.js';

const Num = Nullable(Type.Number());

const ClusterEntry = Type.Object({
  name: Type.String(),
  url: Nullable(Type.String(), { description: 'The configured Prometheus; null for an agent cluster' }),
  region: Nullable(Type.String()),
  status: StringEnum(['connected', 'disconnected', 'unknown', 'healthy', 'degraded', 'unhealthy'] as const, {
    description: 'connected|disconnected|unknown for agent and Prometheus clusters; a registered Proxmox cluster\'s health (healthy|degraded|unhealthy|unknown)',
  }),
  data_source: StringEnum(['kcloud', 'prometheus'] as const),
  nodes_count: Num,
  gpus_count: Num,
  total_power_watts: Num,
  error: Nullable(Type.String(), { description: 'Why the cluster could not be read (its counts are null then)' }),
  // proxmoxer-cluster-api's Cluster fields; null unless the cluster is a registered Proxmox cluster.
  id: Nullable(Type.String(), { description: 'Registry id (UUID) of a registered Proxmox cluster' }),
  api_endpoint: Nullable(Type.String()),
  proxmox_version: Nullable(Type.String()),
  node_count: Nullable(Type.Integer(), { description: 'Proxmox nodes (nodes_count: the agents kcloud sees, PVE nodes with an agent of the same name included)' }),
  created_at: Nullable(Timestamp),
  updated_at: Nullable(Timestamp),
});

export const ClusterListResponse = withErrors(
  Envelope(
    'cluster',
    Type.Array(ClusterEntry),
    {
      clusters: Type.Array(ClusterEntry, { description: 'The same entries, as proxmoxer-cluster-api.md lists them' }),
      total: Count,
    },
    { total_count: Count },
  ),
);

export const ClusterSummaryResponse = withErrors(
  Envelope(
    'cluster_summary',
    Type.Object({
      name: Type.String(),
      region: Nullable(Type.String()),
      status: StringEnum(['healthy', 'degraded', 'down', 'unknown'] as const),
      nodes: Type.Object({ total: Type.Number(), ready: Type.Number(), masters: Type.Null(), workers: Type.Null() }),
      gpus: Type.Object({ total: Count, active: Count, idle: Count, error: Count, models: Type.Array(Type.String()) }),
      pods: Type.Object({ total: Type.Null(), running: Type.Null(), pending: Type.Null() }),
      power: Type.Object({ total_watts: Num, gpu_watts: Num, cpu_watts: Num, memory_watts: Num, efficiency_pue: Type.Null() }),
    }),
  ),
);

const PowerParts = {
  total_power_watts: Num,
  gpu_power_watts: Num,
  cpu_power_watts: Num,
  memory_power_watts: Num,
  other_power_watts: Num,
  bmc_power_watts: Num,
};

export const ClusterPowerResponse = withErrors(
  Envelope(
    'cluster_power',
    Type.Object({
      cluster: Type.String(),
      ...PowerParts,
      efficiency_pue: Type.Null(),
      node_count: Type.Number(),
      nodes: Type.Array(Type.Object({ node: Type.String(), ...PowerParts, sources: PowerSources, timestamp: Nullable(Timestamp) })),
    }),
  ),
);
