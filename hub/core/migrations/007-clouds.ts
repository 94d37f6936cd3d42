/**
 * Step 7 (issue 21): cloud credentials and the VMs the hub created with
 * them. A credential's data (keys, service-account JSON, client secret) is
 * not here: it is a ciphertext in `secrets` named `cloud-credential/<id>`.
 * A credential belongs to its creator and may be shared with one workspace;
 * a VM belongs to a workspace and names the credential it was made with.
 */
export const CLOUDS_SCHEMA = `
  CREATE TABLE cloud_credentials (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('aws', 'gcp', 'azure')),
    -- null once the owner was deleted: its workspace keeps using it, admins manage it
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    workspace_id TEXT REFERENCES workspaces (id) ON DELETE SET NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX cloud_credentials_owner ON cloud_credentials (owner_id);
  CREATE INDEX cloud_credentials_workspace ON cloud_credentials (workspace_id);

  CREATE TABLE cloud_vms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('aws', 'gcp', 'azure')),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- a credential in use by a VM cannot be deleted (the routes answer 409)
    credential_id TEXT NOT NULL REFERENCES cloud_credentials (id),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    instance_type TEXT NOT NULL,
    region TEXT NOT NULL,
    zone TEXT,
    image_id TEXT NOT NULL,
    key_pair TEXT,
    -- the provider's id; null until the create call answered
    instance_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'stopping', 'stopped', 'terminating', 'failed')),
    status_reason TEXT,
    public_ip TEXT,
    private_ip TEXT,
    -- the client's request id (idempotency), also the provider's client token
    client_request_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, client_request_id)
  );
  CREATE INDEX cloud_vms_status ON cloud_vms (status);
`;
