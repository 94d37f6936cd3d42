import type Database from 'better-sqlite3';

/** Width of a sealed chunk, and the resolution of the rollup statistics stored with it. */
export const MINUTE_MS = 60_000;

/**
 * Two tables by job (bench/agent-history.ts has the figures):
 * - `head`: the newest minute or two, keyed (ts, series_id) so the ~250
 *   samples of a second append to the same few pages. Keyed by series
 *   first, each 1-second commit touched ~250 pages and cost 10x more.
 * - `chunks`: one row per series and sealed minute, keyed (series_id,
 *   minute): the minute's samples packed (chunk.ts) plus its rollup
 *   statistics, so long ranges read one row per minute.
 */
const SCHEMA_VERSION = 2;
const DDL = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  UNIQUE (metric, labels)
);
CREATE TABLE IF NOT EXISTS head (
  ts INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (ts, series_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks (
  series_id INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL,
  first REAL NOT NULL, last REAL NOT NULL, increase REAL NOT NULL,
  offsets BLOB NOT NULL,
  vals BLOB NOT NULL,
  PRIMARY KEY (series_id, minute)
) WITHOUT ROWID;
`;

/** Creates or upgrades the tables of a store opened for writing. */
export function migrate(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a power cut may lose the last commits, never corrupt the file; the outbox keeps what the hub needs.
  db.pragma('synchronous = NORMAL');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    // Version 1 (never released) kept raw rows keyed by series; its local history is dropped.
    db.exec('DROP TABLE IF EXISTS samples');
    db.exec(DDL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
