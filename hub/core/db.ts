import Database from 'better-sqlite3';
import { restrictFiles, sqliteFiles } from './paths.js';
import { CORE_SCHEMA } from './migrations/001-core.js';
import { AUTH_SCHEMA } from './migrations/002-auth.js';
import { COLLABORATION_SCHEMA } from './migrations/003-collaboration.js';
import { SEQ_RANGES_SCHEMA } from './migrations/004-seq-ranges.js';
import { STABLE_IDS_SCHEMA } from './migrations/005-stable-ids.js';
import { PROXMOX_CLUSTERS_SCHEMA } from './migrations/006-proxmox-clusters.js';
import { CLOUDS_SCHEMA } from './migrations/007-clouds.js';
import { ECP_TENANTS_SCHEMA } from './migrations/008-ecp-tenants.js';
import { PVE_MANAGER_SCHEMA } from './migrations/009-pve-manager.js';

/**
 * Schema of hub.db, one entry per version; a database is moved forward one
 * step at a time, so the identity issue adds API keys and sessions as step 2
 * without touching an existing hub's users.
 */
const MIGRATIONS: readonly string[] = [CORE_SCHEMA, AUTH_SCHEMA, COLLABORATION_SCHEMA, SEQ_RANGES_SCHEMA, STABLE_IDS_SCHEMA, PROXMOX_CLUSTERS_SCHEMA, CLOUDS_SCHEMA, ECP_TENANTS_SCHEMA, PVE_MANAGER_SCHEMA];

export type HubDb = Database.Database;

/** storage.lockTimeout's default: how long a write waits for another connection's lock. */
const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/**
 * Opens `<dataDir>/hub.db` (identity, node state, dedupe). WAL plus a busy
 * timeout (`lockTimeoutMs`, default 5 s) let the CLI add nodes and users
 * while the hub runs; the hub's own transactions are a few ms long, so a
 * CLI write waits at most that.
 */
export function openHubDb(file: string, opts: { lockTimeoutMs?: number } = {}): HubDb {
  const db = new Database(file);
  // Owner-only whatever the umask (password hashes, sessions); SQLite gives -wal and -shm the database's mode.
  restrictFiles(sqliteFiles(file));
  db.pragma(`busy_timeout = ${opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // A commit survives a kill -9 of the hub (the WAL sits in the page cache); see docs/hub.md.
  db.pragma('synchronous = NORMAL');
  migrate(db);
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs the missing steps with foreign keys off: a step that rebuilds a table
 * drops the old one, which with them on would cascade into every row that
 * references it (SQLite's documented table-rebuild procedure). The pragma
 * cannot change inside a transaction, so it is set around it, and the
 * references are checked before the transaction commits.
 */
function migrate(db: HubDb): void {
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= MIGRATIONS.length) return;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`hub.db: ${broken.length} rows reference missing rows after the schema update`);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
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
