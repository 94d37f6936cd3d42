import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

interface AuditItem {
  id: string;
  user_id: string | null;
  username: string | null;
  action: string;
  resource: string;
  resource_id: string | null;
  success: boolean;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
}

const UA = 'kcloud-audit-test/1.0 (+vitest)';

describe('skyclust audit logs (every mutating request is recorded)', () => {
  let h: ApiHub;
  let vic: [string, string];
  let ann: [string, string];
  let startedAt: string;
  const logs = async (query = '') => (await h.json(`/api/v1/audit-logs${query}`)).data as { audit_logs: AuditItem[]; pagination: Record<string, unknown> };
  const count = () => (h.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  const idOf = (name: string) => (h.db.prepare('SELECT uuid FROM users WHERE username = ?').get(name) as { uuid: string }).uuid;
  const send = (method: string, path: string, body: unknown, user?: [string, string] | null) =>
    h.request(path, {
      method,
      ...(body === undefined ? { headers: { 'user-agent': UA } } : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'user-agent': UA } }),
      ...(user !== undefined ? { user } : {}),
    });

  beforeAll(async () => {
    h = await startApiHub();
    vic = await h.addUser('vic', 'viewer');
    ann = await h.addUser('ann', 'user');
    startedAt = new Date().toISOString();
  });
  afterAll(() => h.close());

  it('records a create with the user, the new id, the client address and user agent', async () => {
    const created = await (await send('POST', '/api/v1/workspaces', { name: 'audited' })).json();
    const { audit_logs } = await logs('?resource=workspace&action=create');
    expect(audit_logs).toHaveLength(1);
    expect(audit_logs[0]).toMatchObject({
      user_id: idOf('admin'),
      username: 'admin',
      action: 'create',
      resource: 'workspace',
      resource_id: created.data.id,
      success: true,
      ip_address: '127.0.0.1',
      user_agent: UA,
    });
    expect(Date.parse(audit_logs[0]!.created_at)).toBeGreaterThanOrEqual(Date.parse(startedAt));
  });

  it('records refused and failed requests as unsuccessful, with who tried', async () => {
    const id = (await logs('?action=create')).audit_logs[0]!.resource_id!;
    expect((await send('PUT', `/api/v1/workspaces/${id}`, { name: 'taken-over' }, vic)).status).toBe(403);
    expect((await send('DELETE', `/api/v1/workspaces/${id}`, undefined, null)).status).toBe(401);
    expect((await send('POST', '/api/v1/workspaces', { name: '' }, ann)).status).toBe(400);
    const { audit_logs } = await logs('?success=false&sort=created_at:asc');
    expect(audit_logs.map((r) => [r.action, r.resource, r.resource_id, r.user_id])).toEqual([
      ['update', 'workspace', id, idOf('vic')],
      ['delete', 'workspace', id, null],
      ['create', 'workspace', null, idOf('ann')],
    ]);
  });

  it('filters by user, repeated actions and time, with pagination', async () => {
    const ids = [idOf('vic'), idOf('ann')];
    const byUsers = await logs(`?user_id=${ids[0]}&user_id=${ids[1]}`);
    expect(byUsers.audit_logs.map((r) => r.user_id).sort()).toEqual([...ids].sort());
    const actions = await logs('?action=update&action=delete&limit=1');
    expect(actions.pagination).toEqual({ limit: 1, offset: 0, total: 2, has_next: true, has_prev: false });
    expect((await logs(`?start_time=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).pagination.total).toBe(0);
    expect((await logs(`?start_time=${encodeURIComponent(startedAt)}&end_time=${encodeURIComponent(new Date().toISOString())}`)).pagination.total).toBe(4);
    expect((await logs()).pagination.limit).toBe(50);
  });

  it('is readable only with audit:read', async () => {
    expect((await h.request('/api/v1/audit-logs', { user: ann })).status).toBe(403);
    expect((await h.request('/api/v1/audit-logs', { user: vic })).status).toBe(403);
    expect((await h.request('/api/v1/audit-logs', { user: null })).status).toBe(401);
  });

  it('has no way to change or delete records: no routes, and the table refuses direct writes', async () => {
    const [first] = (await logs()).audit_logs;
    expect((await send('PUT', `/api/v1/audit-logs/${first!.id}`, { action: 'nothing' })).status).toBe(404);
    expect((await send('DELETE', `/api/v1/audit-logs/${first!.id}`, undefined)).status).toBe(404);
    expect((await send('DELETE', '/api/v1/audit-logs', undefined)).status).toBe(404);
    expect(() => h.db.prepare('UPDATE audit_log SET success = 1, user_id = NULL WHERE uuid = ?').run(first!.id)).toThrow(/cannot be changed/);
    expect(() => h.db.prepare('DELETE FROM audit_log').run()).toThrow(/cannot be deleted/);
    expect((await logs()).audit_logs[0]).toEqual(first);
  });

  it('refuses injected and oversized filter values with 400 naming them, changing nothing', async () => {
    const before = count();
    for (const [q, param] of [
      ["action=create'%20OR%20'1'%3D'1", 'action.0'],
      ['resource=workspace%3B%20DELETE%20FROM%20audit_log', 'resource.0'],
      [`resource=${'r'.repeat(200)}`, 'resource.0'],
      ['user_id=1%20OR%201%3D1', 'user_id.0'],
      ['user_id=99999999999999999999', 'user_id.0'],
      ['user_id=1', 'user_id.0'],
      ['start_time=yesterday', 'start_time'],
      ["end_time=2024-01-01T00:00:00Z'--", 'end_time'],
      ['start_time=2024-02-01T00:00:00Z&end_time=2024-01-01T00:00:00Z', 'end_time'],
      ['sort=ts%20DESC%3B%20DROP%20TABLE%20audit_log', 'sort'],
      ['sort=created_at:sideways', 'sort'],
      ['limit=101', 'limit'],
      ['offset=abc', 'offset'],
    ] as const) {
      const res = await h.request(`/api/v1/audit-logs?${q}`);
      expect(res.status, q).toBe(400);
      expect((await res.json()).data.parameter, q).toBe(param);
    }
    expect(count()).toBe(before);
  });
});
