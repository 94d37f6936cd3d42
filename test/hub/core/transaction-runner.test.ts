import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { transactionRunner } from '../../../hub/core/transaction-runner.js';

describe('transactionRunner', () => {
  it('commits what the body wrote and returns its value; rolls back and rethrows when it throws; nests as a savepoint', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const count = () => db.prepare('SELECT count(*) FROM t').pluck().get();
    const inTransaction = transactionRunner(db);

    expect(inTransaction(() => insert.run(1).changes)).toBe(1);
    expect(count()).toBe(1);

    expect(() =>
      inTransaction(() => {
        insert.run(2);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(count()).toBe(1);
    expect(db.inTransaction).toBe(false);

    inTransaction(() => {
      insert.run(3);
      expect(() =>
        inTransaction(() => {
          insert.run(4);
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 3]);
    db.close();
  });
});
