import { EventEmitter } from 'node:events';
import type { StatusMessage } from '../shared/schema/message.js';
import type { RefusedSamples } from './ingest/refusals.js';
import type { NodeRef, Rejection, StoredRow } from './ingest/types.js';

/** A configured power threshold exceeded by a cluster, a node or the whole fleet. */
export interface ThresholdEvent {
  scope: 'fleet' | 'cluster' | 'node';
  /** Cluster or node name; null for the fleet. */
  name: string | null;
  metric: string;
  currentValue: number;
  threshold: number;
  severity: 'warning' | 'critical';
  message: string;
  ts: number;
}

/** A registered Proxmox cluster's health changed (hub/integrations/proxmox/registry.ts). */
export interface ClusterHealthEvent {
  /** The registry's cluster id (UUID). */
  id: string;
  name: string;
  status: 'healthy' | 'degraded' | 'unhealthy' | 'unknown';
  previous: 'healthy' | 'degraded' | 'unhealthy' | 'unknown';
  /** Why it is not healthy; null when healthy. */
  reason: string | null;
  ts: number;
}

/** A cloud VM the hub created changed status (hub/integrations/clouds/reconciler.ts); `terminated` once it is gone. */
export interface VmStatusEvent {
  vmId: string;
  /** The VM's name as its creator gave it: the record is gone by the time `terminated` is emitted. */
  name: string;
  workspaceId: string;
  status: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminating' | 'terminated' | 'failed';
  previous: string | null;
  ts: number;
}

/** A refreshed provider cost answer changed the total of an account a workspace uses (hub/integrations/clouds/costs.ts); /ws sends cost_updated. */
export interface CostUpdatedEvent {
  workspaceId: string;
  provider: 'aws' | 'azure';
  /** The query's days: `start` inclusive, `end` exclusive (YYYY-MM-DD). */
  start: string;
  end: string;
  /** The account's total over those days, before and after the refresh. */
  total: number;
  previous: number;
  currency: string | null;
  ts: number;
}

/** An ECP-AI tenant's deployment or deletion task took a step (hub/integrations/kubernetes); /ws/deployment/{id} forwards it. */
export interface EcpDeploymentEvent {
  deploymentId: string;
  tenantId: string;
  status: 'deploying' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  phase: string;
  message: string;
}

/** An ECP-AI tenant posted metrics (POST /api/v1/tenants/{id}/monitoring), stored; /ws/alerts/{id} checks them against the thresholds. */
export interface EcpTenantMetricsEvent {
  tenantId: string;
  /** Sample time, ms. */
  ts: number;
  /** By the monitoring answers' keys (cpu, memory, gpu, error_rate, ...). */
  values: Record<string, number>;
}

/** Events ingest emits after a commit; streams, thresholds and alerts listen here. */
export interface BusEvents {
  /** A stored (not duplicate) telemetry batch. */
  samples: [{ node: NodeRef; seq: number; rows: StoredRow[] }];
  'node-status': [{ node: NodeRef; status: StatusMessage; receivedAt: number }];
  /** An inventory message; `changed` when it differs from the node's previous one. */
  inventory: [{ node: NodeRef; inventory: Record<string, unknown>; ts: number; changed: boolean }];
  reject: [{ rejection: Rejection; topic: string; clientId: string; node: string | null }];
  /** Samples of stored batches refused by an ingest limit, per node and reason, after each group commit (hub/ingest/refusals.ts). */
  'samples-refused': [RefusedSamples];
  /** A power threshold crossed (hub/streams); notifications and the SSE stream listen. */
  'threshold-exceeded': [ThresholdEvent];
  /** A registered Proxmox cluster's health changed; notifications listen. */
  'cluster-health': [ClusterHealthEvent];
  /** A cloud VM's status changed; /ws forwards it as vm_status_changed to the workspace's members, notifications store it for them and the admins. */
  'vm-status-changed': [VmStatusEvent];
  /** A refresh changed a workspace's cloud cost; /ws forwards it as cost_updated to the workspace's members. */
  'cost-updated': [CostUpdatedEvent];
  /** An ECP-AI deployment task took a step. */
  'ecp-deployment': [EcpDeploymentEvent];
  /** An ECP-AI tenant's posted metrics were stored. */
  'ecp-tenant-metrics': [EcpTenantMetricsEvent];
}

/** The hub's in-process event bus. */
export class HubBus extends EventEmitter<BusEvents> {
  constructor() {
    super();
    // Every stream subscriber adds a listener; hundreds are normal, not a leak.
    this.setMaxListeners(0);
  }
}
