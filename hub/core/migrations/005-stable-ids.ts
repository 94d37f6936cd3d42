/**
 * A random (version 4) UUID in SQL, as a column DEFAULT: every writer of the
 * table (the API, the CLI, an older hub's code) gets one without naming it.
 * randomblob() draws from SQLite's CSPRNG (seeded by the OS).
 */
const UUID_V4 = `(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'
  || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))`;

/**
 * Step 5 (issue 13): stable identities.
 * - users: AUTOINCREMENT, so a deleted user's id is never given to the next
 *   one (audit rows and revoked tokens keep naming the right person); the
 *   sequence starts past every id those tables still mention. A `uuid` per
 *   user is what the skyclust API shows.
 * - audit_log: a `uuid` per record and the acting user's `user_uuid` (kept
 *   when the user is deleted). The append-only triggers are made again.
 * - workspaces: names unique per owner instead of hub-wide, so a taken name
 *   says nothing about other people's workspaces.
 * Tables are rebuilt SQLite's way (create, copy, drop, rename) with foreign
 * keys off (db.ts migrate()); rows keep their ids, existing rows get UUIDs.
 */
export const STABLE_IDS_SCHEMA = `
  CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE DEFAULT ${UUID_V4},
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO users_new (id, username, email, role, password_hash, created_at, disabled)
    SELECT id, username, email, role, password_hash, created_at, disabled FROM users;
  DROP TABLE users;
  ALTER TABLE users_new RENAME TO users;
  INSERT INTO sqlite_sequence (name, seq) SELECT 'users', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users');
  UPDATE sqlite_sequence SET seq = max(seq,
      (SELECT coalesce(max(user_id), 0) FROM audit_log),
      (SELECT coalesce(max(user_id), 0) FROM revoked_tokens))
    WHERE name = 'users';

  CREATE TABLE audit_log_new (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE DEFAULT ${UUID_V4},
    ts INTEGER NOT NULL,
    user_id INTEGER,
    user_uuid TEXT,
    username TEXT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT,
    success INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT,
    details TEXT
  );
  INSERT INTO audit_log_new (id, ts, user_id, user_uuid, username, action, resource, resource_id, success, ip, user_agent, details)
    SELECT a.id, a.ts, a.user_id, u.uuid, a.username, a.action, a.resource, a.resource_id, a.success, a.ip, a.user_agent, a.details
    FROM audit_log a LEFT JOIN users u ON u.id = a.user_id;
  DROP TABLE audit_log;
  ALTER TABLE audit_log_new RENAME TO audit_log;
  CREATE INDEX audit_log_ts ON audit_log (ts);
  CREATE INDEX audit_log_user ON audit_log (user_id, ts);
  CREATE INDEX audit_log_user_uuid ON audit_log (user_uuid, ts);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;

  CREATE TABLE workspaces_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (owner_id, name)
  );
  INSERT INTO workspaces_new SELECT id, name, description, owner_id, is_active, created_at, updated_at FROM workspaces;
  DROP TABLE workspaces;
  ALTER TABLE workspaces_new RENAME TO workspaces;
`;
