/** Step 1: users, nodes with their ingest state, the dedupe ledger and inventory versions. */
export const CORE_SCHEMA = `
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
  `;
