import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../shared/log.js';

/**
 * The worker's program, plain CommonJS run with `eval` so that the same
 * code runs from the build and from the TypeScript sources (a worker
 * cannot load a .ts file through tsx on Node 20). Its own connection runs
 * a PASSIVE checkpoint every `intervalMs`: it copies what the WAL holds
 * into the database file and syncs it without taking the write lock, so
 * ingest and maintenance keep committing meanwhile. "stop" ends it after a
 * last checkpoint; a failure is posted and ends it too.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Posted as text: a thrown SqliteError reaches the parent without its message.
const fail = (err) => parentPort.postMessage({ failed: String(err && err.message) });
let db;
let timer;
const stop = () => {
  clearInterval(timer);
  if (db && db.open) db.close();
  parentPort.close();
};
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    fail(err);
    stop();
  }
};
try {
  const Database = require(workerData.sqlite);
  db = new Database(workerData.file, { fileMustExist: true });
  timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on('message', (m) => {
    if (m !== 'stop') return;
    checkpoint();
    stop();
  });
} catch (err) {
  fail(err);
  stop();
}
`;

/** SQLite's own default: a commit that leaves this many WAL pages checkpoints them itself. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface Checkpointer {
  /** Ends the worker after a last checkpoint; resolves when it has exited. */
  stop(): Promise<void>;
  /** The thread (status, tests). */
  readonly worker: Worker;
}

/**
 * Moves the WAL checkpoints of `db` (a connection to `file` in WAL mode)
 * to a worker thread. SQLite checkpoints in the commit that takes the WAL
 * past 1 000 pages: that commit copies ~4 MiB into the database file and
 * waits for its fsync, 20-110 ms on the CI machine, on the thread that
 * also acknowledges MQTT publishes and answers the APIs (issue 20: the
 * store never stalls the hub). The hub runs one for tsdb.db and one for
 * hub.db: both take a commit per group of telemetry batches. Here `db` stops checkpointing and a worker
 * with its own connection checkpoints every `intervalMs`. Should the
 * worker fail or exit unasked, `db` checkpoints as SQLite does by default
 * again (logged), so the WAL never grows without bound.
 */
export function startCheckpointer(db: Database.Database, file: string, opts: { intervalMs: number; log?: Logger }): Checkpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite, file, intervalMs: opts.intervalMs } });
  // A hub that is done must not wait on this thread to exit.
  worker.unref();
  let stopping = false;
  let failed = false;
  const fallBack = (why: string) => {
    if (failed || stopping) return;
    failed = true;
    opts.log?.error({ file, why }, 'WAL checkpoint worker failed; the connection checkpoints in its commits again');
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('message', (m: { failed?: string }) => {
    if (m.failed !== undefined) fallBack(m.failed);
  });
  worker.on('error', (err) => fallBack(err.message));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      fallBack(`the worker exited (code ${code})`);
      resolve();
    }),
  );
  return {
    worker,
    stop() {
      if (!stopping) {
        stopping = true;
        worker.postMessage('stop');
      }
      return exited;
    },
  };
}
