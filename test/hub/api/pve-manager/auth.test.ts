import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import WebSocket from 'ws';

const json = { 'content-type': 'application/json' };

describe('Proxmox manager session login (real hub)', () => {
  let hub: ApiHub;
  const login = (body: unknown) => hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify(body) });
  const me = (cookie: string) => hub.request('/api/v1/users/me', { user: null, headers: { cookie } });

  beforeAll(async () => {
    hub = await startApiHub({ auth: { session: { ttl: '2h' } } });
    await hub.addUser('otto', 'user', 'otto-password');
  });
  afterAll(() => hub.close());

  it('sets an HttpOnly, SameSite=Strict session cookie (no Secure over plain HTTP) that opens the APIs', async () => {
    const before = Date.now();
    const res = await login({ username: 'otto', password: 'otto-password' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, user: { username: 'otto', role: 'user' } });
    const [set] = res.headers.getSetCookie();
    const attrs = set!.split(';').map((a) => a.trim());
    expect(attrs[0]).toMatch(/^kcloud_session=[A-Za-z0-9_-]{43}$/);
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(attrs).not.toContain('Secure');
    const expires = Date.parse(attrs.find((a) => a.startsWith('Expires='))!.slice('Expires='.length));
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1000);
    const who = await (await me(attrs[0]!)).json();
    expect(who.data).toMatchObject({ username: 'otto', auth_method: 'session' });
    expect(hub.db.prepare("SELECT action, success FROM audit_log WHERE action = 'login'").all()).toEqual([{ action: 'login', success: 1 }]);
  });

  it("takes the cookie only from this hub's own pages: another site's Origin gets 401, the hub's own is served", async () => {
    const cookie = (await login({ username: 'otto', password: 'otto-password' })).headers.getSetCookie()[0]!.split(';')[0]!;
    const withOrigin = (origin: string) => hub.request('/api/v1/users/me', { user: null, headers: { cookie, origin } });
    expect((await withOrigin('https://evil.example')).status).toBe(401);
    expect((await withOrigin('null')).status).toBe(401);
    expect((await withOrigin(hub.api)).status).toBe(200);
    // The power WebSocket signs in at the upgrade: another site's page is refused there too.
    const upgrade = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${hub.api.replace(/^http/, 'ws')}/api/v1/monitoring/stream/power`, { headers: { cookie, origin } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', reject);
      });
    expect(await upgrade('https://evil.example')).toBe(401);
    expect(await upgrade(hub.api)).toBe(101);
  });

  it('logout ends the session and clears the cookie; the old cookie then gets 401', async () => {
    const cookie = (await login({ username: 'otto', password: 'otto-password' })).headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await me(cookie)).status).toBe(200);
    const out = await hub.request('/api/auth/logout', { method: 'POST', user: null, headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^kcloud_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await me(cookie)).status).toBe(401);
    // Without a cookie it is a no-op, as the seed's curl example expects.
    expect((await hub.request('/api/auth/logout', { method: 'POST', user: null })).status).toBe(200);
  });

  it('answers in the Proxmox manager\'s error body: 401 for a wrong password, 400 INVALID_REQUEST naming the field', async () => {
    const sessions = () => hub.db.prepare('SELECT count(*) AS n FROM sessions').get();
    const before = sessions();
    const wrong = await login({ username: 'otto', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'invalid username or password', details: {} } });
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const bad = await login({ username: "otto' OR 1=1 --", password: 'x' });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'username' } });
    expect(sessions()).toEqual(before);
  });
});
