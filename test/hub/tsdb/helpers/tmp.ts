import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh database path in its own temporary directory. */
export function tmpDbPath(name = 'tsdb.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'kcloud-tsdb-')), name);
}

/** PRAGMA integrity_check of a closed store file, through a separate connection. */
export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  } finally {
    db.close();
  }
}
