import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };

describe('skyclust API keys (real hub)', () => {
  let hub: ApiHub;
  let erin: [string, string];
  let frank: [string, string];
  const create = (user: [string, string] | null, body: unknown, headers: Record<string, string> = {}) =>
    hub.request('/api/v1/api-keys', { method: 'POST', user, headers: { ...json, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    hub = await startApiHub();
    erin = await hub.addUser('erin', 'user');
    frank = await hub.addUser('frank', 'viewer');
  });
  afterAll(() => hub.close());

  it('shows the key once; lists show only its prefix; the database holds no copy', async () => {
    const res = await create(erin, { name: 'ci', scopes: ['metrics:read', 'system:read'] });
    expect(res.status).toBe(201);
    const { data } = await res.json();
    expect(data).toMatchObject({ name: 'ci', scopes: ['metrics:read', 'system:read'], revoked_at: null, expires_at: null });
    expect(data.key.startsWith(data.prefix)).toBe(true);
    const list = await (await hub.request('/api/v1/api-keys', { user: erin })).json();
    expect(list.data.api_keys.map((k: { id: string }) => k.id)).toEqual([data.id]);
    expect(JSON.stringify(list)).not.toContain(data.key);
    const row = hub.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(data.id);
    expect(JSON.stringify(row)).not.toContain(data.key);
    // Another user sees none of erin's keys.
    expect((await (await hub.request('/api/v1/api-keys', { user: frank })).json()).data.api_keys).toEqual([]);
  });

  it('validates scopes against PERMISSIONS and the owner\'s role', async () => {
    for (const [user, scopes] of [
      [erin, ['metrics:read', 'root:everything']],
      [frank, ['user:delete']],
    ] as const) {
      const res = await create(user, { name: 'x', scopes });
      const body = await res.json();
      expect([res.status, body.code, body.error]).toEqual([400, 'VALIDATION_ERROR', expect.stringContaining('scopes')]);
    }
    expect((await create(erin, { name: 'x', expires_at: '2001-01-01T00:00:00Z' })).status).toBe(400);
  });

  it('accepts X-API-Key and Bearer and limits a scoped key to its scopes', async () => {
    const { data } = await (await create(erin, { name: 'narrow', scopes: ['metrics:read'] })).json();
    for (const headers of <Record<string, string>[]>[{ 'x-api-key': data.key }, { authorization: `Bearer ${data.key}` }]) {
      const me = await hub.request('/api/v1/users/me', { user: null, headers });
      expect((await me.json()).data).toMatchObject({ username: 'erin', auth_method: 'api_key', permissions: ['metrics:read'] });
      // erin's role has system:read; this key does not.
      const version = await hub.request('/api/v1/system/version', { user: null, headers });
      expect([version.status, (await version.json()).error.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('manages no credentials with an API key, scoped or not: no listing, revoking or minting keys, no password change', async () => {
    const other = (await (await create(erin, { name: 'other' })).json()).data;
    const keysBefore = hub.db.prepare('SELECT * FROM api_keys ORDER BY id').all();
    const passwordBefore = hub.db.prepare("SELECT password_hash FROM users WHERE username = 'erin'").get();
    for (const scopes of [['metrics:read'], undefined]) {
      const { data } = await (await create(erin, { name: 'presented', ...(scopes && { scopes }) })).json();
      const headers = { ...json, 'x-api-key': data.key };
      const attempts: [string, string, unknown][] = [
        ['GET', '/api/v1/api-keys', undefined],
        ['DELETE', `/api/v1/api-keys/${other.id}`, undefined],
        ['POST', '/api/v1/api-keys', { name: 'minted' }],
        ['PUT', '/api/v1/users/me/password', { current_password: erin[1], new_password: 'a-new-password-1' }],
      ];
      for (const [method, path, body] of attempts) {
        const res = await hub.request(path, { method, user: null, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
        expect([res.status, (await res.json()).code], `${method} ${path} with ${scopes ? 'a scoped' : 'an unscoped'} key`).toEqual([403, 'FORBIDDEN']);
      }
      // The same key still reads what its scopes allow.
      expect((await hub.request('/api/v1/accelerators/gpus', { user: null, headers })).status).toBe(200);
      hub.db.prepare('DELETE FROM api_keys WHERE id = ?').run(data.id);
    }
    expect(hub.db.prepare('SELECT * FROM api_keys ORDER BY id').all()).toEqual(keysBefore);
    expect(hub.db.prepare("SELECT password_hash FROM users WHERE username = 'erin'").get()).toEqual(passwordBefore);
  });

  it('refuses an expiry JavaScript cannot represent (a leap second) instead of making a key that never expires', async () => {
    const before = hub.db.prepare('SELECT COUNT(*) AS n FROM api_keys').get();
    const res = await create(erin, { name: 'leap', expires_at: '2026-12-31T23:59:60Z' });
    const body = await res.json();
    expect([res.status, body.code, body.data]).toEqual([400, 'VALIDATION_ERROR', { parameter: 'expires_at' }]);
    expect(hub.db.prepare('SELECT COUNT(*) AS n FROM api_keys').get()).toEqual(before);
    // A representable expiry of the same day is kept as given.
    const kept = await (await create(erin, { name: 'kept', expires_at: '2099-12-31T23:59:59Z' })).json();
    expect(kept.data.expires_at).toBe('2099-12-31T23:59:59.000Z');
  });

  it('refuses a revoked key with 401; revoking another user\'s key is 404', async () => {
    const { data } = await (await create(erin, { name: 'temp' })).json();
    expect((await hub.request(`/api/v1/api-keys/${data.id}`, { method: 'DELETE', user: frank })).status).toBe(404);
    expect((await hub.request('/api/v1/users/me', { user: null, headers: { 'x-api-key': data.key } })).status).toBe(200);
    const del = await hub.request(`/api/v1/api-keys/${data.id}`, { method: 'DELETE', user: erin });
    expect(del.status).toBe(200);
    const after = await hub.request('/api/v1/users/me', { user: null, headers: { 'x-api-key': data.key } });
    expect([after.status, (await after.json()).code]).toEqual([401, 'UNAUTHORIZED']);
    const listed = (await (await hub.request('/api/v1/api-keys', { user: erin })).json()).data.api_keys.find((k: { id: string }) => k.id === data.id);
    expect(listed.revoked_at).not.toBeNull();
    expect(hub.db.prepare("SELECT username, resource_id, success FROM audit_log WHERE resource = 'api_key' AND action = 'delete' AND resource_id = ?").all(data.id)).toEqual([
      { username: 'frank', resource_id: data.id, success: 0 },
      { username: 'erin', resource_id: data.id, success: 1 },
    ]);
    const created = hub.db.prepare("SELECT details FROM audit_log WHERE resource = 'api_key' AND action = 'create' AND resource_id = ?").get(data.id) as { details: string };
    expect(created.details).not.toContain(data.key);
  });

  it('needs a signed-in user', async () => {
    expect((await create(null, { name: 'anon' })).status).toBe(401);
    expect((await hub.request('/api/v1/api-keys', { user: null })).status).toBe(401);
  });
});
