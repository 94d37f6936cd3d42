import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Tsdb } from '../../../../hub/tsdb/store.js';

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

/**
 * The stores a test file opened: `closeAndCheck()` (in its afterEach) closes
 * each one the test left open and checks that every file is intact.
 */
export class OpenStores {
  private open: { db: Tsdb; file: string }[] = [];

  track(db: Tsdb, file: string): { db: Tsdb; file: string } {
    this.open.push({ db, file });
    return { db, file };
  }

  closeAndCheck(): void {
    const open = this.open;
    this.open = [];
    for (const { db, file } of open) {
      try {
        db.close();
      } catch {
        // closed by the test
      }
      expect(integrityCheck(file)).toBe('ok');
    }
  }
}
