/** Step 3: the audit log (append-only: triggers refuse UPDATE and DELETE), then workspaces and notifications. */
export const COLLABORATION_SCHEMA = `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    user_id INTEGER,
    username TEXT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT,
    success INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT,
    details TEXT
  );
  CREATE INDEX audit_log_ts ON audit_log (ts);
  CREATE INDEX audit_log_user ON audit_log (user_id, ts);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;

  -- Groups of users (skyclust-api's workspaces); ids are UUIDs as the seed shows them.
  -- owner_id is the creator; it becomes NULL when that user is deleted, so deleting a user never deletes their workspaces.
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- 'owner' members may change the workspace and its members; 'member' may read it.
  CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX workspace_members_user ON workspace_members (user_id);

  -- One row per recipient: read state is per user.
  CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type TEXT NOT NULL CHECK (type IN ('info', 'success', 'warning', 'error')),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    node TEXT,
    cluster TEXT,
    data TEXT,
    is_read INTEGER NOT NULL DEFAULT 0,
    read_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX notifications_user ON notifications (user_id, created_at);
`;
