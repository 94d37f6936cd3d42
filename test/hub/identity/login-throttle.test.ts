import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { DbWriteHealth } from '../../../hub/identity/db-write-health.js';
import { accountDelay, decide, LoginStoreUnavailable, LoginThrottle, type Admission, type ThrottleLimits } from '../../../hub/identity/login-throttle.js';

const LIMITS: ThrottleLimits = { windowMs: 60_000, perAccount: 3, perIp: 6, delayAfter: 3, delayMs: 1000, maxDelayMs: 8000 };
const freshDb = () => openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-throttle-')), 'hub.db'));

function admitted(a: Admission): Extract<Admission, { allowed: true }> {
  if (!a.allowed) throw new Error(`refused: ${JSON.stringify(a)}`);
  return a;
}

describe('decide (pure throttle rule)', () => {
  const W = 60_000;
  it.each([
    { failures: [], limit: 3, now: 0, expected: { allowed: true } },
    { failures: [1000, 2000], limit: 3, now: 3000, expected: { allowed: true } },
    // Three failures at 1 s, 2 s, 3 s with limit 3: blocked until the first ages out at 61 s.
    { failures: [1000, 2000, 3000], limit: 3, now: 5000, expected: { allowed: false, retryAfterMs: 56_000 } },
    // Five failures, limit 3: waits for the third-newest (index 2) to age out.
    { failures: [1000, 2000, 3000, 4000, 5000], limit: 3, now: 6000, expected: { allowed: false, retryAfterMs: 57_000 } },
  ])('$failures.length failures, limit $limit', ({ failures, limit, now, expected }) => {
    expect(decide(failures, limit, W, now)).toEqual(expected);
  });
});

describe('accountDelay (pure soft rule)', () => {
  it.each([
    { failures: 0, expected: 0 },
    { failures: 2, expected: 0 },
    { failures: 3, expected: 1000 },
    { failures: 4, expected: 2000 },
    { failures: 6, expected: 8000 },
    { failures: 500, expected: 8000 },
  ])('$failures failures -> $expected ms', ({ failures, expected }) => {
    expect(accountDelay(failures, LIMITS)).toBe(expected);
  });
});

describe('LoginThrottle', () => {
  let db: HubDb;
  let now = 1_000_000;
  let t: LoginThrottle;
  beforeAll(() => {
    db = freshDb();
    t = new LoginThrottle(db, LIMITS, new DbWriteHealth(db), () => now);
  });
  afterAll(() => db.close());

  it('refuses an (account, address) pair after its limit, but never the account from another address: that one only waits longer', () => {
    for (let i = 0; i < 3; i++) {
      admitted(t.begin('user:1', '10.0.0.1')).attempt.fail();
      now += 1000;
    }
    expect(t.check('user:1', '10.0.0.1')).toEqual({ allowed: false, by: 'account', retryAfterMs: 60_000 - 3000 });
    // The real user elsewhere is slowed down, not locked out (OWASP: lockouts are a denial of service).
    expect(t.check('user:1', '10.0.0.2')).toEqual({ allowed: true, delayMs: 1000 });
    const ok = admitted(t.begin('user:1', '10.0.0.2'));
    ok.attempt.succeed();
    expect(t.check('user:1', '10.0.0.2')).toEqual({ allowed: true, delayMs: 0 });
    now += 57_000;
    expect(t.check('user:1', '10.0.0.1').allowed).toBe(true);
  });

  it('grows the account delay with failures from many addresses and caps it, without refusing', () => {
    for (let i = 0; i < 20; i++) admitted(t.begin('user:2', `10.2.0.${i}`)).attempt.fail();
    expect(t.check('user:2', '10.2.1.1')).toEqual({ allowed: true, delayMs: LIMITS.maxDelayMs });
  });

  it('keeps counting across a restart (failures are in hub.db)', () => {
    for (let i = 0; i < 3; i++) t.fail('user:3', '10.3.3.3');
    const restarted = new LoginThrottle(db, LIMITS, new DbWriteHealth(db), () => now);
    expect(restarted.check('user:3', '10.3.3.3')).toMatchObject({ allowed: false, by: 'account' });
  });

  it('refuses an address that sprays many accounts', () => {
    for (let i = 0; i < 6; i++) t.fail(`name:u${i}`, '10.9.9.9');
    expect(t.check('name:fresh', '10.9.9.9')).toMatchObject({ allowed: false, by: 'ip' });
    expect(t.check('name:fresh', '10.9.9.8').allowed).toBe(true);
  });

  it('counts an IPv4 client on a dual-stack socket as the same address', () => {
    for (let i = 0; i < 3; i++) t.fail('user:4', '::ffff:10.4.4.4');
    expect(t.check('user:4', '10.4.4.4')).toMatchObject({ allowed: false, by: 'account' });
  });

  it('counts attempts still being checked, so a parallel burst meets the limit at once', () => {
    const open = [0, 1, 2].map(() => admitted(t.begin('user:5', '10.5.5.5')));
    expect(t.begin('user:5', '10.5.5.5')).toMatchObject({ allowed: false, by: 'account' });
    for (const a of open) a.attempt.abandon();
    expect(t.check('user:5', '10.5.5.5')).toEqual({ allowed: true, delayMs: 0 });
  });

  it("clears the account's and the pair's counts on success, not the address's", () => {
    now += 120_000;
    for (let i = 0; i < 2; i++) admitted(t.begin('user:7', '10.7.7.7')).attempt.fail();
    admitted(t.begin('user:7', '10.7.7.7')).attempt.succeed();
    const keys = (db.prepare("SELECT key FROM login_failures WHERE key LIKE '%user:7' OR key = 'ip:10.7.7.7' ORDER BY key").all() as { key: string }[]).map((r) => r.key);
    expect(keys).toEqual(['ip:10.7.7.7', 'ip:10.7.7.7']);
  });
});

describe('LoginThrottle on a store that takes no writes (fail closed)', () => {
  it('refuses when a failure cannot be written to a read-only hub.db, and refuses the next attempt before its check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-throttle-ro-'));
    openHubDb(join(dir, 'hub.db')).close();
    const ro = new Database(join(dir, 'hub.db'), { readonly: true });
    const health = new DbWriteHealth(ro);
    const t = new LoginThrottle(ro, LIMITS, health);
    expect(() => t.fail('user:1', '10.0.0.1')).toThrow(LoginStoreUnavailable);
    expect(health.state()).toMatchObject({ writable: false, reason: 'read-only' });
    // Known not to take writes: nothing is admitted without its failure written first.
    expect(() => t.begin('user:1', '10.0.0.2')).toThrow(LoginStoreUnavailable);
    ro.close();
  });

  it('reports "disk full" when SQLite cannot grow hub.db (max_page_count), and writable again once it can', () => {
    const db = freshDb();
    const health = new DbWriteHealth(db);
    const t = new LoginThrottle(db, LIMITS, health);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    let error: unknown = null;
    // Every successful call adds rows, so the store fills up after a bounded number of calls.
    for (let i = 0; i < 100_000 && error === null; i++) {
      try {
        t.fail(`name:filler-${i}`, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(LoginStoreUnavailable);
    expect(health.state()).toMatchObject({ writable: false, reason: 'disk full', error: expect.stringMatching(/full/i) });
    db.pragma(`max_page_count = ${pages * 100}`);
    admitted(t.begin('user:9', '10.9.0.1')).attempt.fail();
    expect(health.state()).toEqual({ writable: true });
    db.close();
  });
});
