import Database from 'better-sqlite3';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../../hub/core/wal-checkpointer.js';
import { HOUR } from '../../../hub/tsdb/options.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { memoryLogger } from '../../helpers/logger.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { integrityCheck, tmpDbPath } from '../tsdb/helpers/tmp.js';

/** Rows committed into the database file itself: a copy of the file alone, without its WAL, read on its own. */
function rowsInMainFile(file: string): number {
  const copy = `${file}.alone`;
  copyFileSync(file, copy);
  const db = new Database(copy);
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get();
    return table ? (db.prepare('SELECT count(*) FROM t').pluck().get() as number) : 0;
  } finally {
    db.close();
  }
}

/** A WAL-mode connection with a table, and 1 500 rows of 3 KB committed in 30 transactions: over SQLite's 1 000-page checkpoint threshold. */
function walDatabase(): { db: Database.Database; file: string; fill: () => void } {
  const file = tmpDbPath('wal.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO t (b) VALUES (?)');
  const fill = () => {
    for (let tx = 0; tx < 30; tx++) db.transaction(() => Array.from({ length: 50 }, () => insert.run(Buffer.alloc(3000, tx))))();
  };
  return { db, file, fill };
}

const running: { checkpointer: Checkpointer; db: Database.Database }[] = [];
afterEach(async () => {
  for (const { checkpointer, db } of running.splice(0)) {
    await checkpointer.stop();
    if (db.open) db.close();
  }
});

describe('WAL checkpoints on a worker thread (tsdb.db and hub.db in the hub)', () => {
  it('takes the checkpoints out of the commits: the file gets the rows only from the worker', async () => {
    const { db, file, fill } = walDatabase();
    // An hour between checkpoints: within this test only stop() checkpoints.
    const checkpointer = startCheckpointer(db, file, { intervalMs: HOUR });
    running.push({ checkpointer, db });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    fill();
    // Past 1 000 WAL pages, yet no commit checkpointed: every row is still only in the WAL.
    expect(rowsInMainFile(file)).toBe(0);
    await checkpointer.stop();
    expect(rowsInMainFile(file)).toBe(1500);
  });

  it('checkpoints every interval while the connection keeps committing', async () => {
    const { db, file, fill } = walDatabase();
    const checkpointer = startCheckpointer(db, file, { intervalMs: 20 });
    running.push({ checkpointer, db });
    // Only a checkpoint writes into the file (the commits do not): its size says the worker ran, unasked.
    const fileBytes = () => statSync(file).size;
    fill();
    await waitFor(() => fileBytes() >= 1500 * 3000, 20_000, 'the worker to checkpoint the first rows into the file');
    fill();
    await waitFor(() => fileBytes() >= 3000 * 3000, 20_000, 'the next rows too');
    // Read once the worker is done: a copy taken during a checkpoint may be torn.
    await checkpointer.stop();
    expect(rowsInMainFile(file)).toBe(3000);
    expect(integrityCheck(file)).toBe('ok');
  });

  it('hands checkpoints back to the commits, logged, when the worker dies', async () => {
    const { db, file, fill } = walDatabase();
    const { log, lines } = memoryLogger();
    const checkpointer = startCheckpointer(db, file, { intervalMs: HOUR, log });
    running.push({ checkpointer, db });
    await checkpointer.worker.terminate();
    await waitFor(() => lines().some((l) => l.msg === 'WAL checkpoint worker failed; the connection checkpoints in its commits again'), 10_000, 'the failure logged');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    fill();
    // The commits checkpointed again: most rows reached the file without the worker.
    expect(rowsInMainFile(file)).toBeGreaterThan(0);
  });

  it('reports a worker that cannot open the file and leaves the connection checkpointing', async () => {
    const { db } = walDatabase();
    const { log, lines } = memoryLogger();
    const checkpointer = startCheckpointer(db, tmpDbPath('missing.db'), { intervalMs: HOUR, log });
    running.push({ checkpointer, db });
    await waitFor(() => lines().some((l) => typeof l.why === 'string' && /unable to open/i.test(l.why)), 10_000, 'the open failure logged with its reason');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('a store opened with checkpointWorker keeps every sample across close and reopen', async () => {
    const file = tmpDbPath();
    const start = Date.UTC(2026, 0, 5);
    let db = openTsdb(file, { now: () => start + HOUR, checkpointWorker: { intervalMs: 10 } });
    for (let t = 0; t < 600; t++) db.write(Array.from({ length: 20 }, (_, s) => ({ metric: 'gpu_power_watts', labels: { node: 'n1', gpu: String(s) }, ts: start + t * 1000, value: s + t / 1000 })));
    db.flush();
    db.close();
    db = openTsdb(file, { now: () => start + HOUR });
    try {
      expect(db.stats().samples).toBe(600 * 20);
      const [ref] = db.findSeries('gpu_power_watts', [{ label: 'gpu', op: '=', value: '7' }]);
      expect(Array.from(db.readSamples(ref!.id, start, start + HOUR).values).slice(0, 3)).toEqual([7, 7.001, 7.002]);
    } finally {
      db.close();
    }
    await waitFor(() => !existsSync(`${file}-wal`), 10_000, 'the last connection (the worker) to remove the WAL');
    expect(integrityCheck(file)).toBe('ok');
  });
});
