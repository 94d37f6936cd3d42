import Database from 'better-sqlite3';

/** SQLite result codes a message's own content can cause; any other SQLite error is about the database (full, busy, I/O, closed...). */
const MESSAGE_CODES = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/;

/**
 * Whether a commit error is the fault of the message being committed (it
 * would fail again on every redelivery: acknowledge and refuse it) rather
 * than of the hub's databases (retry later: withhold the acknowledgement).
 * A JavaScript error on a message's data (a RangeError, a TypeError) is the
 * message's; a closed connection is the hub's.
 */
export function isMessageFault(err: unknown): boolean {
  if (err instanceof Database.SqliteError) return MESSAGE_CODES.test(err.code);
  if (err instanceof TypeError && /database connection is not open/.test(err.message)) return false;
  return err instanceof Error;
}
