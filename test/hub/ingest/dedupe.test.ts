import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { CORE_SCHEMA } from '../../../hub/core/migrations/001-core.js';
import { AUTH_SCHEMA } from '../../../hub/core/migrations/002-auth.js';
import { COLLABORATION_SCHEMA } from '../../../hub/core/migrations/003-collaboration.js';
import { SeqLedger } from '../../../hub/ingest/dedupe.js';
import { ledgerRows } from '../../helpers/ledger.js';

let dbs: HubDb[] = [];
afterEach(() => {
  for (const db of dbs) db.close();
  dbs = [];
});

function hubDb(file = join(mkdtempSync(join(tmpdir(), 'kcloud-ledger-')), 'hub.db')): HubDb {
  const db = openHubDb(file);
  dbs.push(db);
  return db;
}

function addNode(db: HubDb, name: string): number {
  return Number(db.prepare("INSERT INTO nodes (name, cluster, password_hash, created_at) VALUES (?, 'c', 'x', 0)").run(name).lastInsertRowid);
}

describe('dedupe ledger', () => {
  it('records seqs as ranges in hub.db: one row for consecutive batches, rows joined when a gap fills', () => {
    const db = hubDb();
    const a = addNode(db, 'a');
    const ledger = new SeqLedger(db);
    const record = (seq: number) => db.transaction(() => ledger.record(a, seq, 1000 + seq))();
    for (const seq of [1, 2, 3, 7, 8, 5]) record(seq);
    expect(ledgerRows(db)).toEqual([
      { node_id: a, lo: 1, hi: 3 },
      { node_id: a, lo: 5, hi: 5 },
      { node_id: a, lo: 7, hi: 8 },
    ]);
    record(4);
    record(6);
    expect(ledgerRows(db)).toEqual([{ node_id: a, lo: 1, hi: 8 }]);
    // Another instance (a restarted hub) reads the same answers from the table.
    const again = new SeqLedger(db);
    expect([0, 1, 8, 9].map((s) => again.has(a, s))).toEqual([false, true, true, false]);
  });

  it('forgets what a rolled-back commit recorded', () => {
    const db = hubDb();
    const a = addNode(db, 'a');
    const ledger = new SeqLedger(db);
    db.transaction(() => ledger.record(a, 1, 1))();
    expect(() =>
      db.transaction(() => {
        ledger.record(a, 2, 2);
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    ledger.rollback();
    expect(ledger.has(a, 2)).toBe(false);
    expect(ledger.has(a, 1)).toBe(true);
  });

  it('skips a removed node without failing the commit, and prunes ranges that stopped growing', () => {
    const db = hubDb();
    const a = addNode(db, 'a');
    const b = addNode(db, 'b');
    const ledger = new SeqLedger(db);
    db.transaction(() => {
      ledger.record(a, 1, 100);
      ledger.record(b, 1, 500);
    })();
    db.prepare('DELETE FROM nodes WHERE id = ?').run(a);
    db.transaction(() => ledger.record(a, 2, 600))();
    expect(ledger.has(a, 1)).toBe(false);
    expect(ledger.prune(200)).toBe(0);
    db.transaction(() => ledger.record(b, 5, 50))();
    // b's [1] grew last at 500, its [5] at 50: only the latter is older than the cutoff.
    expect(ledger.prune(200)).toBe(1);
    expect(ledgerRows(db)).toEqual([{ node_id: b, lo: 1, hi: 1 }]);
    expect(ledger.has(b, 5)).toBe(false);
  });

  it('folds an older hub.db ledger (a row per seq) into ranges when it migrates', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-ledger-')), 'hub.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    for (const schema of [CORE_SCHEMA, AUTH_SCHEMA, COLLABORATION_SCHEMA]) old.exec(schema);
    old.pragma('user_version = 3');
    const a = addNode(old, 'a');
    const b = addNode(old, 'b');
    const insert = old.prepare('INSERT INTO ingested_seq (node_id, seq, received_at) VALUES (?, ?, ?)');
    for (const seq of [1, 2, 3, 5, 6, 10]) insert.run(a, seq, seq * 10);
    insert.run(b, 1_700_000_000_000, 7);
    old.close();
    const db = hubDb(file);
    expect(db.prepare('SELECT node_id, lo, hi, received_at FROM ingested_ranges ORDER BY node_id, lo').all()).toEqual([
      { node_id: a, lo: 1, hi: 3, received_at: 30 },
      { node_id: a, lo: 5, hi: 6, received_at: 60 },
      { node_id: a, lo: 10, hi: 10, received_at: 100 },
      { node_id: b, lo: 1_700_000_000_000, hi: 1_700_000_000_000, received_at: 7 },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'ingested_seq'").get()).toEqual({ n: 0 });
  });
});
