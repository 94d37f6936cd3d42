/**
 * Step 2 (issue 6, auth): API keys, revoked JWTs, browser sessions, failed
 * logins and the encrypted secrets. Credentials are stored as SHA-256 digests
 * of high-entropy random values (a stolen hub.db opens nothing); secrets as
 * AES-256-GCM ciphertexts under a key that is not in hub.db.
 */
export const AUTH_SCHEMA = `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The first characters of the key, shown in lists so a user can tell keys apart.
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    -- JSON array of permissions, or NULL for all of the owner's role.
    scopes TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX api_keys_user ON api_keys (user_id);
  -- JWTs revoked before they expire (logout); pruned once expired.
  CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    user_id INTEGER,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Digest of the password hash at login: a password change ends the session.
    password_stamp TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE INDEX sessions_expiry ON sessions (expires_at);
  -- One row per failed login, keyed 'account:<name>' or 'ip:<address>'; pruned after the throttle window.
  CREATE TABLE login_failures (
    key TEXT NOT NULL,
    ts INTEGER NOT NULL
  );
  CREATE INDEX login_failures_key ON login_failures (key, ts);
  CREATE INDEX login_failures_ts ON login_failures (ts);
  -- Integration credentials (Proxmox, clouds): ciphertexts of hub/identity/secrets.ts, never returned by an API.
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;
