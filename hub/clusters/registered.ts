import { clusterView } from '../api/proxmoxer/cluster-view.js';
import type { ProxmoxCluster } from '../integrations/proxmox/cluster-store.js';
import type { clusterListEntry } from './bodies.js';

type ListEntry = ReturnType<typeof clusterListEntry>;

/**
 * One entry of GET /clusters for both documented clients: the monitoring
 * API's fields and the registry's Cluster fields (null for a cluster that
 * is not a registered Proxmox cluster). A registered cluster's `status` is
 * its Proxmox health (healthy|degraded|unhealthy|unknown).
 */
export function withRegistration(entry: ListEntry, registered: ProxmoxCluster | undefined) {
  const v = registered ? clusterView(registered) : null;
  return {
    ...entry,
    status: v?.status ?? entry.status,
    id: v?.id ?? null,
    api_endpoint: v?.api_endpoint ?? null,
    proxmox_version: v?.proxmox_version ?? null,
    node_count: v?.node_count ?? null,
    created_at: v?.created_at ?? null,
    updated_at: v?.updated_at ?? null,
  };
}
