import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { decide, LoginThrottle } from '../../../hub/identity/login-throttle.js';

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

describe('LoginThrottle', () => {
  let db: HubDb;
  let now = 1_000_000;
  let t: LoginThrottle;
  beforeAll(() => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-throttle-')), 'hub.db'));
    t = new LoginThrottle(db, { windowMs: 60_000, perAccount: 3, perIp: 5 }, () => now);
  });
  afterAll(() => db.close());

  it('blocks an account after its limit, and frees it when the window passes', () => {
    for (let i = 0; i < 3; i++) {
      expect(t.check('user:1', '10.0.0.1').allowed).toBe(true);
      t.fail('user:1', '10.0.0.1');
      now += 1000;
    }
    const blocked = t.check('user:1', '10.0.0.2');
    expect(blocked).toEqual({ allowed: false, by: 'account', retryAfterMs: 60_000 - 3000 });
    expect(t.check('user:2', '10.0.0.2').allowed).toBe(true);
    now += 57_000;
    expect(t.check('user:1', '10.0.0.2').allowed).toBe(true);
  });

  it('keeps counting across a restart (failures are in hub.db)', () => {
    for (let i = 0; i < 3; i++) t.fail('user:3', '10.3.3.3');
    const restarted = new LoginThrottle(db, { windowMs: 60_000, perAccount: 3, perIp: 5 }, () => now);
    expect(restarted.check('user:3', '10.3.3.4')).toMatchObject({ allowed: false, by: 'account' });
  });

  it('blocks an ip that sprays many accounts', () => {
    for (let i = 0; i < 5; i++) t.fail(`name:u${i}`, '10.9.9.9');
    expect(t.check('name:fresh', '10.9.9.9')).toMatchObject({ allowed: false, by: 'ip' });
    expect(t.check('name:fresh', '10.9.9.8').allowed).toBe(true);
  });

  it('clears an account\'s count on success and prunes old rows', () => {
    t.fail('user:7', '10.1.1.1');
    t.fail('user:7', '10.1.1.1');
    t.succeed('user:7');
    t.fail('user:7', '10.1.1.1');
    t.fail('user:7', '10.1.1.1');
    expect(t.check('user:7', '10.1.1.2').allowed).toBe(true);
    now += 120_000;
    t.fail('user:8', '10.1.1.3');
    const left = db.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number };
    expect(left.n).toBe(2);
  });
});
