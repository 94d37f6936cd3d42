/**
 * Step 8 (issue 17): ECP-AI tenants and their deployment tasks. A task is
 * the persisted state of a (simulated or real) deployment or deletion, so a
 * hub restarted mid-way resumes it; it outlives its tenant (a deletion id
 * stays answerable), hence no foreign key.
 */
export const ECP_TENANTS_SCHEMA = `
  CREATE TABLE ecp_tenants (
    tenant_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    preset TEXT NOT NULL CHECK (preset IN ('micro', 'small', 'medium', 'large')),
    is_demo INTEGER NOT NULL CHECK (is_demo IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'failed', 'deleting')),
    -- {"callbot": 25, ...}: concurrent channels per service type
    service_requirements TEXT NOT NULL,
    sla_availability TEXT NOT NULL,
    sla_response_time TEXT NOT NULL,
    sla_concurrent_users INTEGER,
    namespace TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX ecp_tenants_status ON ecp_tenants (status);

  CREATE TABLE ecp_deployments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
    is_demo INTEGER NOT NULL CHECK (is_demo IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('deploying', 'completed', 'failed', 'cancelled')),
    -- [{"type": "Deployment", "name": "callbot", "phase": "creating-deployments"}, ...] in apply (or delete) order
    steps TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    -- [{"timestamp", "level", "message"}], the last 100
    logs TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX ecp_deployments_tenant ON ecp_deployments (tenant_id, created_at);
  CREATE INDEX ecp_deployments_open ON ecp_deployments (status) WHERE status = 'deploying';
`;
