import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };

describe('skyclust auth: register, login, logout (real hub)', () => {
  let hub: ApiHub;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    hub.request(`/api/v1${path}`, { method: 'POST', user: null, headers: { ...json, ...headers }, body: JSON.stringify(body) });
  const me = (token: string) => hub.request('/api/v1/users/me', { user: null, headers: { authorization: `Bearer ${token}` } });
  const count = (table: string) => (hub.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const audits = (action: string) => hub.db.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id').all(action) as { username: string | null; success: number; details: string; ip: string }[];

  beforeAll(async () => {
    hub = await startApiHub({
      auth: { registration: { enabled: true, firstUserAdmin: true }, loginThrottle: { perAccount: 3, perIp: 1000 }, rateLimit: { anonymous: 1000 } },
    });
  });
  afterAll(() => hub.close());

  it('makes the first registered user admin only while the hub has no admin, and ignores a role in the body', async () => {
    // The bootstrap admin exists: a registration gets `user`, whatever the body asks for.
    const first = await post('/auth/register', { username: 'mallory', email: 'mallory@example.org', password: 'mallory-pass', role: 'admin' });
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body).toMatchObject({ success: true, data: { token_type: 'Bearer', user: { username: 'mallory', email: 'mallory@example.org', role: 'user' } } });
    expect(typeof body.request_id).toBe('string');
    const meBody = await (await me(body.data.token)).json();
    expect(meBody.data).toMatchObject({ username: 'mallory', role: 'user', auth_method: 'jwt' });
    // The audit entry names the account by the id the skyclust area shows (its UUID).
    const registered = hub.db.prepare("SELECT resource_id FROM audit_log WHERE action = 'register' AND username = 'mallory'").get() as { resource_id: string };
    expect(registered.resource_id).toBe(body.data.user.id);

    // With every admin disabled the next registration becomes admin, the one after it does not.
    hub.db.prepare("UPDATE users SET disabled = 1 WHERE role = 'admin'").run();
    try {
      const a = await (await post('/auth/register', { username: 'ada', email: 'ada@example.org', password: 'ada-password' })).json();
      expect(a.data.user.role).toBe('admin');
      const b = await (await post('/auth/register', { username: 'bea', email: 'bea@example.org', password: 'bea-password' })).json();
      expect(b.data.user.role).toBe('user');
    } finally {
      hub.db.prepare("UPDATE users SET disabled = 0 WHERE username = 'admin'").run();
    }
  });

  it('refuses bad, injected and oversized fields with 400 naming the field, changing nothing', async () => {
    const users = count('users');
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'x1', email: 'not-an-email', password: 'long-enough' }, 'email'],
      [{ username: 'x2', email: 'x2@example.org', password: 'short' }, 'password'],
      [{ username: "x'; DROP TABLE users; --", email: 'x3@example.org', password: 'long-enough' }, 'username'],
      [{ username: 'x4', email: "' OR '1'='1", password: 'long-enough' }, 'email'],
      [{ username: 'a'.repeat(64), email: 'x5@example.org', password: 'long-enough' }, 'username'],
      [{ username: 'x6', email: `${'a'.repeat(300)}@example.org`, password: 'long-enough' }, 'email'],
      [{ username: 'x7', email: 'x7@example.org', password: 'p'.repeat(5000) }, 'password'],
      [{ email: 'x8@example.org', password: 'long-enough' }, 'username'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/auth/register', body);
      const b = await res.json();
      expect([res.status, b.code, b.error]).toEqual([400, 'VALIDATION_ERROR', expect.stringContaining(field)]);
    }
    for (const body of [{ email: "admin@x.org' OR 1=1 --", password: 'x' }, { username: "admin' --", password: 'x' }, { username: 'admin', password: 'p'.repeat(5000) }, { password: 'x' }]) {
      const res = await post('/auth/login', body);
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe('VALIDATION_ERROR');
    }
    expect(count('users')).toBe(users);
    expect(count('login_failures')).toBe(0);
    expect(hub.db.prepare("SELECT name FROM sqlite_master WHERE name = 'users'").get()).toBeDefined();
  });

  it('refuses a taken name or email with 409', async () => {
    const dupName = await post('/auth/register', { username: 'mallory', email: 'other@example.org', password: 'long-enough' });
    expect([dupName.status, (await dupName.json()).code]).toEqual([409, 'CONFLICT']);
    const dupEmail = await post('/auth/register', { username: 'mallory2', email: 'MALLORY@example.org', password: 'long-enough' });
    expect(dupEmail.status).toBe(409);
  });

  it('logs in by email (or username), audits it, and the token expires when it says', async () => {
    const before = Date.now();
    const res = await post('/auth/login', { email: 'mallory@example.org', password: 'mallory-pass' });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.user).toMatchObject({ username: 'mallory', role: 'user' });
    const exp = Date.parse(data.expires_at);
    // Default lifetime 15 min.
    expect(exp).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000);
    expect((await me(data.token)).status).toBe(200);
    const admin = await post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    expect((await admin.json()).data.user.role).toBe('admin');
    const last = audits('login').at(-1)!;
    expect(last).toMatchObject({ username: 'admin', success: 1, ip: '127.0.0.1' });
    expect(JSON.stringify(audits('login'))).not.toContain('mallory-pass');
  });

  it('answers 401 for a wrong password or unknown email and audits the failure', async () => {
    const wrong = await post('/auth/login', { email: 'mallory@example.org', password: 'wrong-password' });
    expect([wrong.status, (await wrong.json()).code]).toEqual([401, 'UNAUTHORIZED']);
    const unknown = await post('/auth/login', { email: 'nobody@example.org', password: 'whatever' });
    expect(unknown.status).toBe(401);
    // Logins refused for bad input (400) are in the audit log too; these two carry the reason of a refused password.
    const failed = audits('login').filter((a) => a.success === 0 && JSON.parse(a.details).reason);
    expect(failed.map((a) => [a.username, JSON.parse(a.details).reason])).toEqual([
      ['mallory', 'wrong password'],
      [null, 'unknown or disabled account'],
    ]);
    // A success clears the account's count (only 1 of the 3 allowed failures was used).
    expect((await post('/auth/login', { email: 'mallory@example.org', password: 'mallory-pass' })).status).toBe(200);
  });

  it('revokes the presented token on logout', async () => {
    const { data } = await (await post('/auth/login', { email: 'mallory@example.org', password: 'mallory-pass' })).json();
    const other = (await (await post('/auth/login', { email: 'mallory@example.org', password: 'mallory-pass' })).json()).data.token;
    const out = await post('/auth/logout', {}, { authorization: `Bearer ${data.token}` });
    expect(out.status).toBe(200);
    expect((await out.json()).data).toEqual({ revoked: 'jwt' });
    const after = await me(data.token);
    expect([after.status, (await after.json()).code]).toEqual([401, 'UNAUTHORIZED']);
    expect((await me(other)).status).toBe(200);
    expect(audits('logout').at(-1)).toMatchObject({ username: 'mallory', success: 1 });
    expect((await post('/auth/logout', {})).status).toBe(401);
  });

  it('locks an account after repeated failures: 429 with Retry-After, audited, even for the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await post('/auth/login', { email: 'bea@example.org', password: `guess-${i}` })).status).toBe(401);
    const locked = await post('/auth/login', { email: 'bea@example.org', password: 'bea-password' });
    const body = await locked.json();
    expect([locked.status, body.code]).toEqual([429, 'RATE_LIMITED']);
    const retry = Number(locked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(14 * 60);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(body.data).toMatchObject({ retry_after_s: retry, by: 'account' });
    // By username too: one budget per account.
    expect((await post('/auth/login', { username: 'bea', password: 'bea-password' })).status).toBe(429);
    const rec = audits('login').at(-1)!;
    expect(rec).toMatchObject({ username: 'bea', success: 0 });
    expect(JSON.parse(rec.details).reason).toBe('throttled by account');
  });
});

describe('skyclust registration is off by default', () => {
  it('answers 403 and creates nobody', async () => {
    const hub = await startApiHub();
    try {
      const res = await hub.request('/api/v1/auth/register', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'eve', email: 'eve@example.org', password: 'eve-password' }) });
      expect([res.status, (await res.json()).code]).toEqual([403, 'FORBIDDEN']);
      expect(hub.db.prepare("SELECT 1 FROM users WHERE username = 'eve'").get()).toBeUndefined();
    } finally {
      await hub.close();
    }
  });
});
