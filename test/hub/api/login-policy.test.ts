import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../helpers/hub.js';
import { httpFrom } from '../../helpers/source-address.js';

// Short delays keep the suite fast (a write refused after 250 ms instead of 5 s of waiting for the lock); the policy is the same at the defaults.
const CONFIG = { auth: { loginThrottle: { delay: '20ms', maxDelay: '100ms' }, rateLimit: { anonymous: 100_000 } }, storage: { lockTimeout: '250ms' } };

const login = (hub: ApiHub, from: string, username: string, password: string) => httpFrom(from, `${hub.api}/api/v1/auth/login`, { method: 'POST', body: { username, password } });
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function uncheckedNames(hub: ApiHub): Promise<number> {
  const metric = await hub.hub.registry.getSingleMetric('login_password_checks_total')!.get();
  return metric.values.find((v) => v.labels.subject === 'unknown')?.value ?? 0;
}

describe('login throttling over HTTP', () => {
  it('refuses the guessing address for admin but not admin from another address, also after a restart (no lockout DoS)', async () => {
    let hub = await startApiHub(CONFIG);
    try {
      for (let i = 0; i < 5; i++) expect((await login(hub, '127.0.0.2', 'admin', `guess-${i}`)).status).toBe(401);
      const blocked = await login(hub, '127.0.0.2', 'admin', ADMIN_PASSWORD);
      expect([blocked.status, blocked.body.code, blocked.body.data.by]).toEqual([429, 'RATE_LIMITED', 'account']);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login(hub, '127.0.0.3', 'admin', ADMIN_PASSWORD)).status).toBe(200);

      const { dataDir } = hub;
      await hub.close();
      hub = await startApiHub({ ...CONFIG, dataDir });
      expect((await login(hub, '127.0.0.2', 'admin', ADMIN_PASSWORD)).status).toBe(429);
      expect((await login(hub, '127.0.0.3', 'admin', ADMIN_PASSWORD)).status).toBe(200);
    } finally {
      await hub.close();
    }
  }, 120_000);
});

describe('logins while hub.db takes no writes (fail closed)', () => {
  let hub: ApiHub;
  beforeAll(async () => {
    hub = await startApiHub(CONFIG);
  });
  afterAll(async () => {
    if (hub.db.inTransaction) hub.db.exec('ROLLBACK');
    await hub.close();
  });

  it('answers 503 to wrong and right passwords alike, reports the store degraded with the reason, and recovers', async () => {
    // Another connection holds the write lock: every write of the hub fails (SQLITE_BUSY after its busy timeout).
    hub.db.exec('BEGIN IMMEDIATE');
    const wrong = await login(hub, '127.0.1.1', 'admin', 'wrong-password');
    expect([wrong.status, wrong.body.code, wrong.body.data]).toEqual([503, 'SERVICE_UNAVAILABLE', { store: 'degraded', reason: 'write failed' }]);
    // Not let in uncounted: the right password is refused too, before its check.
    expect((await login(hub, '127.0.1.1', 'admin', ADMIN_PASSWORD)).status).toBe(503);
    expect((await httpFrom('127.0.1.2', `${hub.api}/api/v1/users/me`, { headers: { authorization: basic('admin', ADMIN_PASSWORD) } })).status).toBe(503);

    const degraded = { writable: false, reason: 'write failed', error: expect.stringMatching(/locked/), since: expect.any(String) };
    const health = await (await hub.request('/api/v1/health', { user: null })).json();
    expect(health.data).toMatchObject({ status: 'degraded', store: degraded });
    const db = await (await hub.request('/api/v1/health/db', { user: null })).json();
    expect(db.data).toMatchObject({ status: 'degraded', store: degraded });
    const system = await (await hub.request('/api/v1/system/health', { user: null })).json();
    expect(system).toMatchObject({ status: 'degraded', hub_db: degraded });

    hub.db.exec('ROLLBACK');
    expect((await login(hub, '127.0.1.1', 'admin', ADMIN_PASSWORD)).status).toBe(200);
    const healthy = await (await hub.request('/api/v1/health/db', { user: null })).json();
    expect(healthy.data).toMatchObject({ status: 'healthy', store: { writable: true, reason: null } });
  }, 90_000);

  it('answers 503 with the store state, not 500, to any other write it cannot take (password change, a workspace)', async () => {
    const token = (await login(hub, '127.0.1.3', 'admin', ADMIN_PASSWORD)).body.data.token as string;
    const send = (method: string, path: string, body: unknown) =>
      httpFrom('127.0.1.3', `${hub.api}/api/v1${path}`, { method, body, headers: { authorization: `Bearer ${token}` } });
    hub.db.exec('BEGIN IMMEDIATE');
    try {
      const password = await send('PUT', '/users/me/password', { current_password: ADMIN_PASSWORD, new_password: 'another-long-password' });
      expect([password.status, password.body.code, password.body.data]).toEqual([503, 'SERVICE_UNAVAILABLE', { store: 'degraded', reason: 'write failed' }]);
      const workspace = await send('POST', '/workspaces', { name: 'while-locked' });
      expect([workspace.status, workspace.body.code, workspace.body.data]).toEqual([503, 'SERVICE_UNAVAILABLE', { store: 'degraded', reason: 'write failed' }]);
    } finally {
      hub.db.exec('ROLLBACK');
    }
    // Nothing half-written: the old password still logs in, and no workspace was made.
    expect((await login(hub, '127.0.1.4', 'admin', ADMIN_PASSWORD)).status).toBe(200);
    const names = (await (await hub.request('/api/v1/workspaces')).json()).data.workspaces.map((w: { name: string }) => w.name);
    expect(names).not.toContain('while-locked');
  }, 90_000);
});

describe('HTTP Basic and unknown names', () => {
  let hub: ApiHub;
  beforeAll(async () => {
    hub = await startApiHub(CONFIG);
  });
  afterAll(() => hub.close());

  it('checks an unknown name against a dummy hash, as a known one is checked (no timing oracle)', async () => {
    const before = await uncheckedNames(hub);
    const res = await httpFrom('127.0.2.1', `${hub.api}/api/v1/users/me`, { headers: { authorization: basic('nobody-here', 'some-password') } });
    expect(res.status).toBe(401);
    expect((await uncheckedNames(hub)) - before).toBe(1);
  });

  it('throttles Basic with the same counts as the login route', async () => {
    for (let i = 0; i < 5; i++) expect((await httpFrom('127.0.2.2', `${hub.api}/api/v1/users/me`, { headers: { authorization: basic('admin', `guess-${i}`) } })).status).toBe(401);
    expect((await login(hub, '127.0.2.2', 'admin', ADMIN_PASSWORD)).status).toBe(429);
    expect((await httpFrom('127.0.2.3', `${hub.api}/api/v1/users/me`, { headers: { authorization: basic('admin', ADMIN_PASSWORD) } })).status).toBe(200);
  }, 60_000);
});
