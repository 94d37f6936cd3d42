import type { ProxmoxCluster } from '../../integrations/proxmox/cluster-store.js';

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The seed's Cluster object (RFC 3339 times without fractions, as in its examples); never a credential. */
export function clusterView(c: ProxmoxCluster) {
  return {
    id: c.id,
    name: c.name,
    api_endpoint: c.apiEndpoint,
    status: c.status,
    proxmox_version: c.proxmoxVersion,
    node_count: c.nodeCount,
    created_at: rfc3339(c.createdAt),
    updated_at: rfc3339(c.updatedAt),
    status_reason: c.statusReason,
    nodes: c.nodeNames,
    auth_method: c.authMethod === 'token' ? ('api_token' as const) : ('ticket' as const),
    tls_fingerprint: c.tlsFingerprint,
  };
}
