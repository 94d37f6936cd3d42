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
`;
