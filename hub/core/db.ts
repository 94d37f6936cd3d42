import Database from 'better-sqlite3';

/**
 * Schema of hub.db, one entry per version; a database is moved forward one
 * step at a time, so the identity issue adds API keys and sessions as step 2
 * without touching an existing hub's users.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- People and programs that log in (MQTT viewers, the CLI, later the HTTP API).
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
  );
  -- Agents: MQTT username = name; state columns are written by the running hub.
  CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    cluster TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'unknown' CHECK (state IN ('unknown', 'online', 'offline')),
    state_ts INTEGER,
    agent_version TEXT,
    status_json TEXT,
    last_seen INTEGER,
    last_seq INTEGER,
    batches INTEGER NOT NULL DEFAULT 0,
    samples INTEGER NOT NULL DEFAULT 0,
    gaps INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0
  );
  -- (node, seq) of every stored telemetry batch: a redelivery is stored once.
  CREATE TABLE ingested_seq (
    node_id INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (node_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX ingested_seq_received ON ingested_seq (received_at);
  -- Each distinct inventory a node reported, oldest first.
  CREATE TABLE inventory (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    ts INTEGER NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX inventory_node ON inventory (node_id, id);
  `,
];

export type HubDb = Database.Database;

/**
 * Opens `<dataDir>/hub.db` (identity, node state, dedupe). WAL plus a busy
 * timeout let the CLI add nodes and users while the hub runs; the hub's own
 * transactions are a few ms long, so a CLI write waits at most that.
 */
export function openHubDb(file: string): HubDb {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // A commit survives a kill -9 of the hub (the WAL sits in the page cache); see docs/hub.md.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: HubDb): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Reads a `meta` value. */
export function getMeta(db: HubDb, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

/** Writes a `meta` value. */
export function setMeta(db: HubDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
