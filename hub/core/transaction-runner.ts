import type { Database } from 'better-sqlite3';

/** Runs `body` inside one transaction and returns what it returned; rolls back and rethrows when it throws. */
export type TransactionRunner = <T>(body: () => T) => T;

/**
 * One transaction wrapper for `db`, built once: better-sqlite3's
 * `db.transaction(fn)` defines four wrapper functions with their properties
 * on every call, which the ingest path would pay once per group commit on
 * each of its two databases.
 */
export function transactionRunner(db: Database): TransactionRunner {
  const run = db.transaction((body: () => unknown) => body());
  return <T>(body: () => T) => run(body) as T;
}
