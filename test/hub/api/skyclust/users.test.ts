import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };

describe('skyclust users API (real hub)', () => {
  let hub: ApiHub;
  let viewer: [string, string];
  const call = (method: string, path: string, body?: unknown, user?: [string, string] | null, headers: Record<string, string> = {}) =>
    hub.request(`/api/v1${path}`, { method, ...(user !== undefined && { user }), headers: { ...(body !== undefined && json), ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const jwtFor = async (username: string, password: string) =>
    (await (await call('POST', '/auth/login', { username, password }, null)).json()).data.token as string;
  const sessionFor = async (username: string, password: string) =>
    (await hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) })).headers.getSetCookie()[0]!.split(';')[0]!;

  beforeAll(async () => {
    hub = await startApiHub();
    viewer = await hub.addUser('vic', 'viewer');
  });
  afterAll(() => hub.close());

  it('lets an admin create, read, list, update and delete users, audited', async () => {
    const created = await call('POST', '/users', { username: 'gina', email: 'gina@example.org', password: 'gina-password', role: 'viewer' });
    expect(created.status).toBe(201);
    const gina = (await created.json()).data;
    expect(gina).toMatchObject({ username: 'gina', email: 'gina@example.org', role: 'viewer', is_active: true });
    expect((await (await call('GET', `/users/${gina.id}`)).json()).data).toEqual(gina);
    const list = (await (await call('GET', '/users?limit=2&offset=1')).json()).data;
    expect(list.pagination).toEqual({ limit: 2, offset: 1, total: 3, has_next: false, has_prev: true });
    expect(list.users.map((u: { username: string }) => u.username)).toEqual(['gina', 'vic']);
    const updated = await call('PUT', `/users/${gina.id}`, { role: 'user', email: 'g@example.org' });
    expect((await updated.json()).data).toMatchObject({ role: 'user', email: 'g@example.org' });
    expect((await call('DELETE', `/users/${gina.id}`)).status).toBe(200);
    expect((await call('GET', `/users/${gina.id}`)).status).toBe(404);
    const audit = hub.db.prepare("SELECT action, resource_id FROM audit_log WHERE resource = 'user' ORDER BY id").all();
    expect(audit).toEqual([
      { action: 'create', resource_id: gina.id },
      { action: 'update', resource_id: gina.id },
      { action: 'delete', resource_id: gina.id },
    ]);
  });

  it('refuses what the role does not allow, and bad input with 400', async () => {
    expect((await call('POST', '/users', { username: 'h', password: 'h-password', role: 'admin' }, viewer)).status).toBe(403);
    expect((await call('GET', '/users', undefined, viewer)).status).toBe(403);
    expect((await call('GET', '/users/me', undefined, viewer)).status).toBe(200);
    const bad = await call('POST', '/users', { username: 'h', password: 'h-password', role: 'root' });
    expect([bad.status, (await bad.json()).error]).toEqual([400, expect.stringContaining('role')]);
    expect((await call('GET', '/users/abc')).status).toBe(400);
    expect((await call('PUT', '/users/1', { password: 'short' })).status).toBe(400);
  });

  it('keeps the last admin: demoting, disabling or deleting it is 409', async () => {
    const admin = (await (await call('GET', '/users/me')).json()).data;
    expect((await call('PUT', `/users/${admin.id}`, { role: 'viewer' })).status).toBe(409);
    expect((await call('PUT', `/users/${admin.id}`, { is_active: false })).status).toBe(409);
    expect((await call('DELETE', `/users/${admin.id}`)).status).toBe(409);
    expect((await (await call('GET', '/users/me')).json()).data.role).toBe('admin');
  });

  it('a password change by an admin ends the user\'s tokens and sessions', async () => {
    await hub.addUser('hal', 'user', 'hal-password');
    const token = await jwtFor('hal', 'hal-password');
    const cookie = await sessionFor('hal', 'hal-password');
    const me = (headers: Record<string, string>) => call('GET', '/users/me', undefined, null, headers);
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await me({ cookie })).status).toBe(200);
    const id = (await (await me({ cookie })).json()).data.id;
    expect((await call('PUT', `/users/${id}`, { password: 'hal-password-2' })).status).toBe(200);
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await me({ cookie })).status).toBe(401);
    expect(hub.db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE uuid = ?)').get(id)).toEqual({ n: 0 });
  });

  it('lets a user change their own password with the current one', async () => {
    await hub.addUser('ivy', 'viewer', 'ivy-password');
    const token = await jwtFor('ivy', 'ivy-password');
    const auth = { authorization: `Bearer ${token}` };
    const wrong = await call('PUT', '/users/me/password', { current_password: 'nope-nope', new_password: 'ivy-password-2' }, null, auth);
    expect([wrong.status, (await wrong.json()).error]).toEqual([400, expect.stringContaining('current_password')]);
    const ok = await call('PUT', '/users/me/password', { current_password: 'ivy-password', new_password: 'ivy-password-2' }, null, auth);
    expect(ok.status).toBe(200);
    expect((await call('GET', '/users/me', undefined, null, auth)).status).toBe(401);
    expect((await call('GET', '/users/me', undefined, ['ivy', 'ivy-password-2'])).status).toBe(200);
  });
});
