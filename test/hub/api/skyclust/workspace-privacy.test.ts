import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

/** What a plain user can learn about other accounts and workspaces through the workspace routes: nothing they did not know. */
describe('skyclust workspaces reveal no other accounts or workspaces', () => {
  let h: ApiHub;
  let ann: [string, string];
  let ws: string;
  const post = (path: string, body: unknown, user: [string, string]) =>
    h.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
  /** The parts of an answer that are the same for the same answer (not request_id and timestamp). */
  const answer = async (res: Response) => {
    const { success, error, code, data } = await res.json();
    return { status: res.status, success, error, code, data };
  };

  beforeAll(async () => {
    h = await startApiHub();
    ann = await h.addUser('ann', 'user');
    await h.addUser('ben', 'user');
    await h.addUser('root2', 'admin');
    await h.addUser('dora', 'user');
    h.db.prepare("UPDATE users SET email = 'ben@example.org' WHERE username = 'ben'").run();
    h.db.prepare("UPDATE users SET disabled = 1 WHERE username = 'dora'").run();
    ws = (await (await post('/api/v1/workspaces', { name: 'anns' }, ann)).json()).data.id;
  });
  afterAll(() => h.close());

  it('refuses integer user ids: counting 1..N finds nobody', async () => {
    for (let id = 1; id <= 5; id++) {
      const res = await post(`/api/v1/workspaces/${ws}/members`, { user_id: id }, ann);
      expect(await answer(res)).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', data: { parameter: 'user_id' } });
    }
    expect((await h.json(`/api/v1/workspaces/${ws}/members`, { user: ann })).data.members.map((m: { username: string }) => m.username)).toEqual(['ann']);
  });

  it('adds a member by the username or email the caller knows', async () => {
    const byName = await post(`/api/v1/workspaces/${ws}/members`, { username: 'ben' }, ann);
    expect(byName.status).toBe(201);
    expect((await byName.json()).data).toMatchObject({ username: 'ben', role: 'member' });
    const byEmail = await post(`/api/v1/workspaces/${ws}/members`, { email: 'BEN@example.org', role: 'owner' }, ann);
    expect(byEmail.status).toBe(201);
    expect((await byEmail.json()).data).toMatchObject({ username: 'ben', role: 'owner' });
  });

  it('answers an unknown, a disabled and an admin account alike to a non-admin, and adds none of them', async () => {
    const unknown = await answer(await post(`/api/v1/workspaces/${ws}/members`, { username: 'nobody' }, ann));
    expect(unknown).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', data: { parameter: 'username' } });
    expect(await answer(await post(`/api/v1/workspaces/${ws}/members`, { username: 'root2' }, ann))).toEqual(unknown);
    expect(await answer(await post(`/api/v1/workspaces/${ws}/members`, { username: 'dora' }, ann))).toEqual(unknown);
    const rootId = (h.db.prepare("SELECT uuid FROM users WHERE username = 'root2'").get() as { uuid: string }).uuid;
    expect(await answer(await post(`/api/v1/workspaces/${ws}/members`, { user_id: rootId }, ann))).toMatchObject({ status: 400, error: unknown.error.replace('username', 'user_id') });
    const names = (await h.json(`/api/v1/workspaces/${ws}/members`, { user: ann })).data.members.map((m: { username: string }) => m.username);
    expect(names).toEqual(['ann', 'ben']);
    // An admin may add an admin.
    expect((await h.request(`/api/v1/workspaces/${ws}/members`, { method: 'POST', body: JSON.stringify({ username: 'root2' }), headers: { 'content-type': 'application/json' } })).status).toBe(201);
  });

  it('wants exactly one of user_id, username, email', async () => {
    for (const body of [{}, { username: 'ben', email: 'ben@example.org' }, { role: 'member' }]) {
      expect(await answer(await post(`/api/v1/workspaces/${ws}/members`, body, ann)), JSON.stringify(body)).toMatchObject({ status: 400, data: { parameter: 'user_id' } });
    }
  });

  it('lets two owners use the same workspace name: a taken name tells nothing about others\' workspaces', async () => {
    const cid: [string, string] = await h.addUser('cid', 'user');
    expect((await post('/api/v1/workspaces', { name: 'secret-project' }, cid)).status).toBe(201);
    expect((await post('/api/v1/workspaces', { name: 'secret-project' }, ann)).status).toBe(201);
    const again = await post('/api/v1/workspaces', { name: 'secret-project' }, ann);
    expect([again.status, (await again.json()).code]).toEqual([409, 'CONFLICT']);
  });
});
