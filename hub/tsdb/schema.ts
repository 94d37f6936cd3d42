import Database from 'better-sqlite3';
import { blockTableSql } from './blocks.js';

/** Schema steps; user_version says how many ran (same scheme as hub/core/db.ts). Head tables are made on demand (head-log.ts). */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    -- canonical JSON: keys sorted, empty values dropped (series.ts)
    labels TEXT NOT NULL,
    UNIQUE (metric, labels)
  );
  ${blockTableSql()}
  `,
  // Timestamp columns shared by the chunks of a window (timestamps.ts); chunks of format 0x01 keep their own.
  `
  CREATE TABLE timestamps (id INTEGER PRIMARY KEY, start INTEGER NOT NULL, data BLOB NOT NULL);
  CREATE INDEX timestamps_start ON timestamps (start);
  `,
  // series without UNIQUE (metric, labels): series.ts resolves every series from its in-memory mirror and is the
  // one writer, so the index (a second copy of every name, ~0.016 B a sample on issue 20's 2 h data set) only
  // ever served as a check.
  `
  CREATE TABLE series_new (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL);
  INSERT INTO series_new (id, metric, labels) SELECT id, metric, labels FROM series;
  DROP TABLE series;
  ALTER TABLE series_new RENAME TO series;
  `,
];

/**
 * Opens (creating) a tsdb file: WAL, so readers never block the writer and a
 * commit is one append to the -wal file; synchronous NORMAL by default,
 * which keeps every committed transaction across a process crash (the WAL
 * write has reached the OS before commit returns), FULL to also survive
 * power loss (docs/tsdb.md). Incremental auto-vacuum lets retention hand
 * freed pages back to the file system.
 */
export function openDatabase(file: string, synchronous: 'NORMAL' | 'FULL', chunkWindow: number): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    // Only takes effect before the first table exists, i.e. on a new file.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    // 64 MiB page cache: sealing reads and rewrites blocks of every series.
    db.pragma('cache_size = -65536');
    migrate(db);
    checkWindow(db, chunkWindow);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Chunks are keyed by window start: a file written with one window cannot be read with another. */
function checkWindow(db: Database.Database, chunkWindow: number): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'chunk_window_ms'").pluck().get() as string | undefined;
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('chunk_window_ms', ?)").run(String(chunkWindow));
  } else if (Number(row) !== chunkWindow) {
    throw new Error(`tsdb file was created with chunkWindow ${row} ms, opened with ${chunkWindow} ms`);
  }
}
