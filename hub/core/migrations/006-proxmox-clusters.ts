/**
 * Step 6 (issue 15): Proxmox clusters registered through the cluster
 * registry (proxmoxer-cluster-api). The credential (an API token the hub
 * created, or the password when PVE refused one) is not here: it is a
 * ciphertext in `secrets` named `proxmox/<id>`. `tls_fingerprint` is the
 * pinned certificate (trust on first use or given at registration); null
 * when the certificate verifies against the CAs.
 */
export const PROXMOX_CLUSTERS_SCHEMA = `
  CREATE TABLE proxmox_clusters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_endpoint TEXT NOT NULL,
    username TEXT NOT NULL,
    -- 'token': secrets holds the token secret of token_id; 'ticket': secrets holds the password
    auth_method TEXT NOT NULL CHECK (auth_method IN ('token', 'ticket')),
    token_id TEXT,
    tls_fingerprint TEXT,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
    status_reason TEXT,
    proxmox_version TEXT NOT NULL,
    node_count INTEGER NOT NULL,
    -- JSON array of the PVE node names (linked to agent nodes of the same name)
    node_names TEXT NOT NULL DEFAULT '[]',
    checked_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;
