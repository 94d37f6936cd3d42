import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The hub's files inside dataDir (docs/hub.md, "Files in dataDir"). */
export function hubFiles(dataDir: string) {
  return { db: join(dataDir, 'hub.db'), tsdb: join(dataDir, 'tsdb.db') };
}

/** A SQLite database with the WAL files next to it (they hold recent commits in clear). */
export const sqliteFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`];

/** Makes the files that exist owner-only (0600): files an older hub or another umask created. */
export function restrictFiles(files: readonly string[]): void {
  for (const f of files) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * Readies dataDir for the hub or its CLI: created 0700 when missing, and
 * every file created from here on owner-only. hub.db holds password hashes
 * and sessions, tsdb.db the telemetry: the process umask becomes 077 (so
 * tsdb.db, status.json and SQLite's -wal/-shm are created 0600 whoever
 * creates them), and files already there are made 0600. A dataDir that
 * group or others can enter is not changed (the operator may share it on
 * purpose) but warned about, since its listing shows what the hub keeps.
 */
export function prepareDataDir(dataDir: string, warn: (message: string) => void): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & 0o077) warn(`dataDir ${dataDir} has mode ${mode.toString(8).padStart(4, '0')}: group or others can list it; chmod 700 it`);
  const files = hubFiles(dataDir);
  restrictFiles([...sqliteFiles(files.db), ...sqliteFiles(files.tsdb), join(dataDir, 'status.json')]);
}
