import Database from 'better-sqlite3';
import type { HubDb } from '../core/db.js';

/** Why hub.db takes no writes: the handle or file is read-only, the disk (or SQLite's page limit) is full, or another write error. */
export type WriteFailureReason = 'read-only' | 'disk full' | 'write failed';

export type DbWriteState = { writable: true } | { writable: false; reason: WriteFailureReason; error: string; since: number };

/** The SQLite result code as a reason; null for errors that say nothing about the store (a constraint, a bug). */
export function writeFailureReason(err: unknown): WriteFailureReason | null {
  if (!(err instanceof Database.SqliteError)) return null;
  if (err.code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (err.code === 'SQLITE_FULL') return 'disk full';
  if (err.code.startsWith('SQLITE_IOERR') || err.code.startsWith('SQLITE_CANTOPEN') || err.code.startsWith('SQLITE_BUSY')) return 'write failed';
  return null;
}

/**
 * Whether hub.db takes writes, as the last login-path write found it (the
 * login throttle writes on every failed login and refuses logins it cannot
 * record). The health endpoints report it so a full disk or a read-only
 * store shows up as "degraded" with its reason instead of "healthy".
 */
export class DbWriteHealth {
  private failure: Extract<DbWriteState, { writable: false }> | null = null;

  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failed write; true when `err` is a store failure (then the caller refuses), false for any other error. */
  failed(err: unknown): boolean {
    const reason = writeFailureReason(err);
    if (reason === null) return false;
    if (this.failure?.reason !== reason) this.failure = { writable: false, reason, error: (err as Error).message, since: this.now() };
    return true;
  }

  /** A write went through: the store takes writes again. */
  succeeded(): void {
    this.failure = null;
  }

  state(): DbWriteState {
    if (this.db.readonly) return { writable: false, reason: 'read-only', error: 'hub.db is open read-only', since: this.failure?.since ?? this.now() };
    return this.failure ?? { writable: true };
  }
}
