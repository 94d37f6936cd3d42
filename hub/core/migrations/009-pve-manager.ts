/**
 * Step 9 (issue 16): the Proxmox server manager's servers and its persisted
 * tasks. A server row is written before its VM exists (its VMID reserved
 * there, so two creates never get the same one); a task keeps its step and
 * the UPID of the PVE task it waits for, so a restarted hub re-attaches to
 * it. Tasks outlive their server (a delete's task stays answerable): no
 * foreign key.
 */
export const PVE_MANAGER_SCHEMA = `
  CREATE TABLE pve_servers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('web', 'was', 'db')),
    cluster_id TEXT NOT NULL,
    node TEXT,
    vmid INTEGER,
    ip_address TEXT NOT NULL UNIQUE,
    subnet INTEGER NOT NULL,
    gateway TEXT NOT NULL,
    cpu INTEGER NOT NULL,
    memory INTEGER NOT NULL,
    disk_size INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('creating', 'active', 'failed', 'deleting')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (cluster_id, vmid)
  );

  CREATE TABLE pve_tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    server_id INTEGER,
    parent_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    message TEXT NOT NULL,
    -- the step running (or that failed), its index, and the PVE task it waits for
    step TEXT,
    step_index INTEGER NOT NULL DEFAULT 0,
    upid TEXT,
    error TEXT,
    -- the request's parameters the steps need (JSON)
    input TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX pve_tasks_open ON pve_tasks (status) WHERE status IN ('pending', 'running');
  CREATE INDEX pve_tasks_parent ON pve_tasks (parent_id) WHERE parent_id IS NOT NULL;
`;
