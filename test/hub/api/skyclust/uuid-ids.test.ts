import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UNKNOWN = '0c9b6a1e-2f4d-4e8a-9b1c-5d6e7f8a9b0c';

/** skyclust-api names users, workspaces, notifications and audit records by UUID: the hub shows and takes nothing else there. */
describe('skyclust ids are UUIDs', () => {
  let h: ApiHub;
  let ann: [string, string];
  const send = (method: string, path: string, body?: unknown, user?: [string, string]) =>
    h.request(path, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }), ...(user && { user }) });
  const uuidOf = (name: string) => (h.db.prepare('SELECT uuid FROM users WHERE username = ?').get(name) as { uuid: string }).uuid;

  beforeAll(async () => {
    h = await startApiHub();
    ann = await h.addUser('ann', 'user');
  });
  afterAll(() => h.close());

  it('shows users by uuid and finds them by it', async () => {
    const me = (await h.json('/api/v1/users/me', { user: ann })).data;
    expect(me.id).toBe(uuidOf('ann'));
    expect(me.id).toMatch(UUID);
    const listed = (await h.json('/api/v1/users')).data.users as { id: string; username: string }[];
    expect(listed.find((u) => u.username === 'ann')?.id).toBe(me.id);
    expect((await h.json(`/api/v1/users/${me.id}`)).data).toMatchObject({ id: me.id, username: 'ann' });
  });

  it('answers a malformed id with 400 and an unknown one with 404, in the skyclust error body', async () => {
    const annsId = h.db.prepare("SELECT id FROM users WHERE username = 'ann'").get() as { id: number };
    for (const path of [`/api/v1/users/${annsId.id}`, '/api/v1/users/not-a-uuid', `/api/v1/workspaces/${annsId.id}`]) {
      const res = await h.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ success: false, code: 'VALIDATION_ERROR', data: { parameter: 'id' } });
    }
    const bad = await send('PUT', '/api/v1/notifications/42/read');
    expect([bad.status, (await bad.json()).code]).toEqual([400, 'VALIDATION_ERROR']);
    for (const [method, path] of [
      ['GET', `/api/v1/users/${UNKNOWN}`],
      ['DELETE', `/api/v1/users/${UNKNOWN}`],
      ['GET', `/api/v1/workspaces/${UNKNOWN}`],
      ['PUT', `/api/v1/notifications/${UNKNOWN}/read`],
    ] as const) {
      const res = await send(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    }
  });

  it('names a workspace\'s owner and members by user uuid, and removes a member by it', async () => {
    const w = (await (await send('POST', '/api/v1/workspaces', { name: 'uuid-ws' }, ann)).json()).data;
    expect(w.owner_id).toBe(uuidOf('ann'));
    expect((await h.json(`/api/v1/workspaces/${w.id}`, { user: ann })).data.owner_id).toBe(uuidOf('ann'));
    await h.addUser('ben', 'user');
    const added = await send('POST', `/api/v1/workspaces/${w.id}/members`, { user_id: uuidOf('ben') }, ann);
    expect(added.status).toBe(201);
    expect((await added.json()).data).toMatchObject({ user_id: uuidOf('ben'), username: 'ben' });
    const members = (await h.json(`/api/v1/workspaces/${w.id}/members`, { user: ann })).data.members as { user_id: string }[];
    expect(members.map((m) => m.user_id).sort()).toEqual([uuidOf('ann'), uuidOf('ben')].sort());
    const benId = (h.db.prepare("SELECT id FROM users WHERE username = 'ben'").get() as { id: number }).id;
    const byInt = await send('DELETE', `/api/v1/workspaces/${w.id}/members/${benId}`, undefined, ann);
    expect([byInt.status, (await byInt.json()).data.parameter]).toEqual([400, 'user_id']);
    expect((await send('DELETE', `/api/v1/workspaces/${w.id}/members/${UNKNOWN}`, undefined, ann)).status).toBe(404);
    expect((await send('DELETE', `/api/v1/workspaces/${w.id}/members/${uuidOf('ben')}`, undefined, ann)).status).toBe(200);
    expect((await h.json(`/api/v1/workspaces/${w.id}/members`, { user: ann })).data.members).toHaveLength(1);
  });

  it('shows audit records and their users by uuid, filters by user uuid, and keeps the uuid of a deleted user', async () => {
    await h.addUser('cid', 'user');
    const cid = uuidOf('cid');
    expect((await send('POST', '/api/v1/workspaces', { name: 'cid-ws' }, ['cid', 'cid-password'])).status).toBe(201);
    expect((await send('DELETE', `/api/v1/users/${cid}`)).status).toBe(200);
    const logs = (await h.json(`/api/v1/audit-logs?user_id=${cid}`)).data.audit_logs as { id: string; user_id: string; action: string }[];
    expect(logs.map((r) => [r.action, r.user_id])).toEqual([['create', cid]]);
    expect(logs[0]!.id).toMatch(UUID);
    const deletion = (await h.json('/api/v1/audit-logs?resource=user&action=delete')).data.audit_logs as { resource_id: string; user_id: string }[];
    expect(deletion[0]).toMatchObject({ resource_id: cid, user_id: uuidOf('admin') });
    const bad = await h.request('/api/v1/audit-logs?user_id=3');
    expect([bad.status, (await bad.json()).data.parameter]).toEqual([400, 'user_id.0']);
  });
});
