import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const INJECTIONS = ["name'; DROP TABLE workspaces; --", 'name:asc; DELETE FROM workspaces', "1 OR 1=1", 'x'.repeat(5000)];

describe('skyclust workspaces', () => {
  let h: ApiHub;
  let ann: [string, string];
  let ben: [string, string];
  let vic: [string, string];
  const post = (path: string, body: unknown, user?: [string, string]) =>
    h.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...(user ? { user } : {}) });
  const put = (path: string, body: unknown, user?: [string, string]) =>
    h.request(path, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...(user ? { user } : {}) });
  const del = (path: string, user?: [string, string]) => h.request(path, { method: 'DELETE', ...(user ? { user } : {}) });
  const count = (table: string) => (h.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const idOf = (name: string) => (h.db.prepare('SELECT uuid FROM users WHERE username = ?').get(name) as { uuid: string }).uuid;

  beforeAll(async () => {
    h = await startApiHub();
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    vic = await h.addUser('vic', 'viewer');
  });
  afterAll(() => h.close());

  it('creates a workspace with its creator as owner, in the documented shape', async () => {
    const res = await post('/api/v1/workspaces', { name: 'ml-team', description: 'GPU training' }, ann);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, data: { name: 'ml-team', description: 'GPU training', owner_id: idOf('ann'), is_active: true } });
    expect(body.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(body.data.created_at)).toBeGreaterThan(Date.now() - 60_000);
    const got = await h.json(`/api/v1/workspaces/${body.data.id}`, { user: ann });
    expect(got.data).toMatchObject({ id: body.data.id, name: 'ml-team', updated_at: body.data.created_at });
  });

  it('lists only the caller\'s workspaces (all for admins), sorted and paginated', async () => {
    await post('/api/v1/workspaces', { name: 'b-infra' }, ben);
    await post('/api/v1/workspaces', { name: 'a-ops' }, ben);
    const bens = await h.json('/api/v1/workspaces?sort=name:asc', { user: ben });
    expect(bens.data.workspaces.map((w: { name: string }) => w.name)).toEqual(['a-ops', 'b-infra']);
    expect(bens.data.pagination).toEqual({ limit: 10, offset: 0, total: 2, has_next: false, has_prev: false });
    expect((await h.json('/api/v1/workspaces', { user: vic })).data.workspaces).toEqual([]);
    const admin = await h.json('/api/v1/workspaces?sort=name:desc&limit=2&offset=1');
    expect(admin.data.workspaces.map((w: { name: string }) => w.name)).toEqual(['b-infra', 'a-ops']);
    expect(admin.data.pagination).toEqual({ limit: 2, offset: 1, total: 3, has_next: false, has_prev: true });
  });

  it('refuses a viewer creating, changing or deleting (403) and hides others\' workspaces (404)', async () => {
    const before = count('workspaces');
    const id = (await h.json('/api/v1/workspaces', { user: ann })).data.workspaces[0].id as string;
    expect((await post('/api/v1/workspaces', { name: 'viewer-ws' }, vic)).status).toBe(403);
    expect((await put(`/api/v1/workspaces/${id}`, { name: 'renamed' }, vic)).status).toBe(403);
    expect((await del(`/api/v1/workspaces/${id}`, vic)).status).toBe(403);
    expect((await h.request(`/api/v1/workspaces/${id}`, { user: vic })).status).toBe(404);
    expect((await h.request(`/api/v1/workspaces/${id}`, { user: ben })).status).toBe(404);
    expect((await put(`/api/v1/workspaces/${id}`, { name: 'renamed' }, ben)).status).toBe(404);
    expect((await h.request('/api/v1/workspaces', { user: null })).status).toBe(401);
    expect(count('workspaces')).toBe(before);
    expect((await h.json(`/api/v1/workspaces/${id}`, { user: ann })).data.name).toBe('ml-team');
  });

  it('lets members read but only owners and admins change, with members managed by owners', async () => {
    const id = (await h.json('/api/v1/workspaces', { user: ann })).data.workspaces[0].id as string;
    const add = await post(`/api/v1/workspaces/${id}/members`, { user_id: idOf('vic') }, ann);
    expect(add.status).toBe(201);
    expect((await add.json()).data).toMatchObject({ user_id: idOf('vic'), username: 'vic', role: 'member' });
    expect((await h.json(`/api/v1/workspaces/${id}`, { user: vic })).data.name).toBe('ml-team');
    expect((await h.json('/api/v1/workspaces', { user: vic })).data.workspaces.map((w: { id: string }) => w.id)).toEqual([id]);
    const members = await h.json(`/api/v1/workspaces/${id}/members`, { user: vic });
    expect(members.data.members.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
      ['ann', 'owner'],
      ['vic', 'member'],
    ]);
    // ben becomes a plain member: he can read, not change.
    await post(`/api/v1/workspaces/${id}/members`, { user_id: idOf('ben') }, ann);
    expect((await put(`/api/v1/workspaces/${id}`, { description: 'ben was here' }, ben)).status).toBe(403);
    const upd = await put(`/api/v1/workspaces/${id}`, { description: 'shared GPUs', is_active: false }, ann);
    expect(upd.status).toBe(200);
    expect((await upd.json()).data).toMatchObject({ id, name: 'ml-team', description: 'shared GPUs', is_active: false });
    expect((await post(`/api/v1/workspaces/${id}/members`, { user_id: '0c9b6a1e-2f4d-4e8a-9b1c-5d6e7f8a9b0c' }, ann)).status).toBe(400);
    expect((await post(`/api/v1/workspaces/${id}/members`, { user_id: 999_999 }, ann)).status).toBe(400);
    expect((await del(`/api/v1/workspaces/${id}/members/${idOf('ann')}`, ann)).status).toBe(409);
    expect((await del(`/api/v1/workspaces/${id}/members/${idOf('vic')}`, ann)).status).toBe(200);
    expect((await h.request(`/api/v1/workspaces/${id}`, { user: vic })).status).toBe(404);
  });

  it('answers 409 for a name the owner already uses and 400 naming bad fields', async () => {
    const dup = await post('/api/v1/workspaces', { name: 'ml-team' }, ann);
    expect(dup.status).toBe(409);
    expect((await dup.json()).code).toBe('CONFLICT');
    for (const [body, field] of [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'tab\there' }, 'name'],
      [{ name: 'ok', description: 'd'.repeat(1001) }, 'description'],
    ] as const) {
      const res = await post('/api/v1/workspaces', body, ann);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = await res.json();
      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.data.parameter).toBe(field);
    }
    expect((await h.request('/api/v1/workspaces/not-a-uuid', { user: ann })).status).toBe(400);
  });

  it('refuses SQL injection and oversized values in sort, limit and offset without touching anything', async () => {
    const before = [count('workspaces'), count('workspace_members'), count('users')];
    for (const sort of INJECTIONS) {
      const res = await h.request(`/api/v1/workspaces?sort=${encodeURIComponent(sort)}`);
      expect(res.status, sort).toBe(400);
      expect((await res.json()).data.parameter).toBe('sort');
    }
    for (const [q, param] of [
      ['limit=101', 'limit'],
      ['limit=1%20OR%201%3D1', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=1e12', 'offset'],
    ] as const) {
      const res = await h.request(`/api/v1/workspaces?${q}`);
      expect(res.status, q).toBe(400);
      expect((await res.json()).data.parameter).toBe(param);
    }
    expect([count('workspaces'), count('workspace_members'), count('users')]).toEqual(before);
  });

  it('deletes a workspace for its owner', async () => {
    const list = await h.json('/api/v1/workspaces?sort=name:asc', { user: ben });
    const id = list.data.workspaces.find((w: { name: string }) => w.name === 'a-ops').id as string;
    expect((await del(`/api/v1/workspaces/${id}`, ann)).status).toBe(404);
    const res = await del(`/api/v1/workspaces/${id}`, ben);
    expect(res.status).toBe(200);
    expect((await res.json()).success).toBe(true);
    expect((await h.request(`/api/v1/workspaces/${id}`, { user: ben })).status).toBe(404);
  });
});
