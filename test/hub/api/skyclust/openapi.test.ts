import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditRecord } from '../../../../hub/api/skyclust/audit-logs.js';
import { renderNotification } from '../../../../hub/api/skyclust/notifications.js';
import { AuditLogList, AuditRecordView } from '../../../../hub/api/skyclust/schemas/audit-logs.js';
import { TokenAnswer } from '../../../../hub/api/skyclust/schemas/auth.js';
import { Ok, SkyError } from '../../../../hub/api/skyclust/schemas/common.js';
import { RedisHealth } from '../../../../hub/api/skyclust/schemas/health.js';
import { NotificationView } from '../../../../hub/api/skyclust/schemas/notifications.js';
import { Me, UserView } from '../../../../hub/api/skyclust/schemas/users.js';
import { WorkspaceList } from '../../../../hub/api/skyclust/schemas/workspaces.js';
import { userView } from '../../../../hub/api/skyclust/user-view.js';
import { LoginAnswer, PveError } from '../../../../hub/api/pve-manager/schemas.js';
import { ROLE_PERMISSIONS } from '../../../../hub/api/auth/permissions.js';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- OpenAPI documents and JSON answers are walked as plain data */

// TypeBox checks formats only once they are registered: the two the response schemas use.
FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));

/**
 * The monitor area's tags (the hub's own `metrics` routes and the cluster
 * registry's `clusters` included): its routes are documented by its own work.
 */
const MONITOR_TAGS = new Set(['accelerators', 'infrastructure', 'hardware', 'monitoring', 'export', 'clusters', 'system', 'metrics']);
/** The ECP area's tags (`ecp: tenants`, ...): its own error body, a YAML manifest and 501 placeholders; in the secret check, not in the skyclust body check. */
const isEcp = (op: any) => op.tags?.some((t: string) => t.startsWith('ecp'));

/**
 * The schema with every object closed (additionalProperties: false unless it
 * is declared open): a value passes only when the schema declares each of
 * its fields, i.e. when fast-json-stringify would send it unchanged.
 */
function closed(s: any): any {
  if (s.anyOf) return { ...s, anyOf: s.anyOf.map(closed) };
  if (s.type === 'array') return { ...s, items: closed(s.items) };
  if (s.type === 'object' && s.additionalProperties !== true) {
    return { ...s, additionalProperties: false, properties: Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, closed(v)])) };
  }
  return s;
}

/** Asserts the value is exactly what the schema describes (no field the schema would drop, no null it would coerce). */
function expectExact(schema: TSchema, value: unknown) {
  const strict = closed(schema);
  expect([...Value.Errors(strict, value)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
}

/**
 * The field tree of a schema in either dialect: TypeBox's (nullable = anyOf
 * with null, literal = const) and the OpenAPI 3.0 that /docs/json writes
 * (nullable: true, enum). Equal trees: the document says what the serialiser does.
 */
function tree(s: any): any {
  const members: any[] | undefined = s.anyOf;
  if (members?.some((m) => m.type === 'null')) return { ...tree(members.find((m) => m.type !== 'null')), nullable: true };
  if (members) return { anyOf: members.map(tree) };
  const node: any = { type: s.type, ...(s.nullable && { nullable: true }) };
  if (s.type === 'array') node.items = tree(s.items);
  if (s.type === 'object') {
    node.properties = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, tree(v)]));
    node.required = [...(s.required ?? [])].sort();
    node.open = s.additionalProperties === true;
  }
  return node;
}

describe('skyclust and pve-manager responses in the OpenAPI document (real hub)', () => {
  let hub: ApiHub;
  let docs: any;
  const documented = (method: string, path: string, status: string) => docs.paths[path][method].responses[status].content['application/json'].schema;
  /** Every operation under /api outside the monitor area; `withEcp: false` leaves the ECP area's out too (skyclust and pve-manager only). */
  const operations = ({ withEcp }: { withEcp: boolean }) =>
    Object.entries(docs.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => path.startsWith('/api/') && method !== 'head' && !op.tags?.some((t: string) => MONITOR_TAGS.has(t)) && (withEcp || !isEcp(op)))
        .map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
    );

  beforeAll(async () => {
    hub = await startApiHub({ auth: { rateLimit: { anonymous: 1000 } } });
    docs = await hub.json('/docs/json');
  });
  afterAll(() => hub.close());

  it('documents a success body and the error body of every skyclust and pve-manager route', () => {
    const ops = operations({ withEcp: false });
    const ids = ops.map((o) => o.id);
    // The filter above must not be vacuous: both areas' routes are in it.
    expect(ids).toEqual(expect.arrayContaining(['POST /api/v1/auth/login', 'GET /api/v1/audit-logs', 'DELETE /api/v1/workspaces/{id}/members/{user_id}', 'GET /api/v1/health/redis', 'POST /api/auth/login', 'POST /api/auth/logout']));
    expect(ops.length).toBeGreaterThanOrEqual(29);
    const missing = ops.filter(({ op }) => {
      const success = Object.entries(op.responses ?? {}).find(([status]) => /^2\d\d$/.test(status));
      const schema = success && (success[1] as any).content?.['application/json']?.schema;
      const errors = op.responses?.['4XX']?.content?.['application/json']?.schema;
      return !schema?.properties || Object.keys(schema.properties).length === 0 || !errors?.properties;
    });
    expect(missing.map((o) => o.id)).toEqual([]);
  });

  it('documents no secret: no hash, password or secret field, and the API key itself only in the create answer', () => {
    const fields: { op: string; path: string; type: unknown }[] = [];
    const walk = (s: any, op: string, path: string) => {
      for (const m of s.anyOf ?? []) walk(m, op, path);
      if (s.items) walk(s.items, op, path);
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        fields.push({ op, path: `${path}.${k}`, type: (v as any).type });
        walk(v, op, `${path}.${k}`);
      }
    };
    for (const { id, op } of operations({ withEcp: true })) {
      for (const [status, r] of Object.entries(op.responses ?? {})) walk((r as any).content?.['application/json']?.schema ?? {}, `${id} ${status}`, '');
    }
    expect(fields.length).toBeGreaterThan(100);
    // A count of secrets (the vault's status, a manifest's Secret objects) is an integer and cannot carry one: every other such name is refused.
    const named = fields.filter((f) => /hash|password|secret|salt/i.test(f.path));
    expect(named.filter((f) => f.type !== 'integer').map(({ op, path }) => ({ op, path }))).toEqual([]);
    expect(named.map((f) => f.op)).toEqual(expect.arrayContaining(['GET /api/vault/status 200', 'POST /api/v1/tenants/validate-manifest 200']));
    expect(fields.filter((f) => f.path.endsWith('.key')).map(({ op, path }) => ({ op, path }))).toEqual([{ op: 'POST /api/v1/api-keys 201', path: '.data.key' }]);
  });

  it('documents exactly the schemas fastify serialises with', () => {
    expect(tree(documented('post', '/api/v1/auth/login', '200'))).toEqual(tree(Ok(TokenAnswer)));
    expect(tree(documented('get', '/api/v1/users/me', '200'))).toEqual(tree(Ok(Me)));
    expect(tree(documented('get', '/api/v1/workspaces', '200'))).toEqual(tree(Ok(WorkspaceList)));
    expect(tree(documented('get', '/api/v1/audit-logs', '200'))).toEqual(tree(Ok(AuditLogList)));
    expect(tree(documented('get', '/api/v1/audit-logs', '4XX'))).toEqual(tree(SkyError));
    expect(tree(documented('post', '/api/auth/login', '200'))).toEqual(tree(LoginAnswer));
    expect(tree(documented('post', '/api/auth/login', '4XX'))).toEqual(tree(PveError));
    // Nullable fields are documented as such (a missing Nullable() would make fast-json-stringify write "" or 0).
    expect(documented('get', '/api/v1/audit-logs', '200').properties.data.properties.audit_logs.items.properties.user_id).toMatchObject({ type: 'string', format: 'uuid', nullable: true });
  });

  it('answers login, users/me, workspaces and audit-logs as documented, with the values fed in', async () => {
    const agent = 'openapi-test/1.0';
    const login = await hub.request('/api/v1/auth/login', {
      method: 'POST',
      user: null,
      headers: { 'content-type': 'application/json', 'user-agent': agent },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const token = await login.json();
    expectExact(Ok(TokenAnswer), token);
    expect(token.data).toMatchObject({ token_type: 'Bearer', user: { username: 'admin', role: 'admin', is_active: true } });
    const bearer = { authorization: `Bearer ${token.data.token}` };

    const me = await (await hub.request('/api/v1/users/me', { user: null, headers: bearer })).json();
    expectExact(Ok(Me), me);
    const admin = hub.db.prepare("SELECT uuid AS id, email FROM users WHERE username = 'admin'").get() as { id: string; email: string | null };
    // email null stays null (not ""), the id is the row's uuid, permissions are the role's.
    expect(me.data).toMatchObject({ id: admin.id, email: admin.email, auth_method: 'jwt' });
    expect(me.data.permissions.sort()).toEqual([...ROLE_PERMISSIONS.admin].sort());

    const created = await (
      await hub.request('/api/v1/workspaces', { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': agent }, body: JSON.stringify({ name: 'openapi-ws', description: 'from the openapi test' }) })
    ).json();
    const list = await (await hub.request('/api/v1/workspaces', { user: null, headers: bearer })).json();
    expectExact(Ok(WorkspaceList), list);
    expect(list.data.workspaces).toEqual([{ ...created.data, owner_id: admin.id, updated_at: expect.any(String) }]);
    expect(list.data.pagination).toEqual({ limit: 10, offset: 0, total: 1, has_next: false, has_prev: false });

    const audit = await (await hub.request('/api/v1/audit-logs?sort=created_at:asc', { user: null, headers: bearer })).json();
    expectExact(Ok(AuditLogList), audit);
    const rows = audit.data.audit_logs;
    expect(rows.find((r: any) => r.action === 'login')).toMatchObject({ user_id: admin.id, username: 'admin', resource: 'auth', success: true, user_agent: agent });
    expect(rows.find((r: any) => r.resource === 'workspace')).toMatchObject({ action: 'create', resource_id: created.data.id, user_agent: agent, details: expect.any(Object) });
  });

  it('answers errors and unavailable values as documented, keeping open objects and nulls', async () => {
    const bad = await hub.request('/api/v1/audit-logs?limit=0');
    const badBody = await bad.json();
    expect(bad.status).toBe(400);
    expectExact(SkyError, badBody);
    // `data` is open: the parameter of a 400 survives serialisation.
    expect(badBody).toMatchObject({ success: false, code: 'VALIDATION_ERROR', data: { parameter: 'limit' } });

    const pve = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin' }) });
    const pveBody = await pve.json();
    expect(pve.status).toBe(400);
    expectExact(PveError, pveBody);
    expect(pveBody.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'password', reason: expect.stringContaining('password') } });

    const pveLogin = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    const pveLoginBody = await pveLogin.json();
    expectExact(LoginAnswer, pveLoginBody);
    expect(pveLoginBody.user).toMatchObject({ username: 'admin', role: 'admin' });

    // No Redis configured: every figure is null, none coerced to 0 or "".
    const redis = await (await hub.request('/api/v1/health/redis', { user: null })).json();
    expectExact(Ok(RedisHealth), redis);
    expect(redis.data).toEqual({ status: 'not_configured', connected_clients: null, used_memory: null, used_memory_bytes: null, version: null, response_time: null, response_time_ms: null });
  });
});

describe('response schemas cover what the renderers produce', () => {
  // These values are the renderers' rare cases (anonymous audit entries, users without email, unread notifications) that no answer above shows.
  it('declares every field and every null of an audit record', () => {
    const base = { id: 7, uuid: '0c9b6a1e-2f4d-4e8a-9b1c-5d6e7f8a9b0c', ts: Date.UTC(2024, 0, 2), action: 'login', resource: 'auth', success: false };
    expectExact(AuditRecordView, renderAuditRecord({ ...base, userId: null, userUuid: null, username: null, resourceId: null, ip: null, userAgent: null }));
    expectExact(AuditRecordView, renderAuditRecord({ ...base, userId: 3, userUuid: '5a1f0e2d-3c4b-4a69-8788-99aabbccddee', username: 'u', resourceId: 'r', ip: '::1', userAgent: 'ua', details: { nested: { a: [1, 2] } } }));
  });

  it('declares every field and every null of a user and a notification', () => {
    expectExact(UserView, userView({ id: 1, uuid: '5a1f0e2d-3c4b-4a69-8788-99aabbccddee', username: 'u', email: null, role: 'viewer', createdAt: 0, disabled: true }));
    const n = { id: '3f1c1c2e-0000-4000-8000-000000000000', userId: 1, type: 'warning', priority: 'high', category: 'node_offline', title: 't', message: 'm', data: { node: 'n1', extra: 1 }, isRead: false, createdAt: 0 } as const;
    expectExact(NotificationView, renderNotification({ ...n, node: null, cluster: null, readAt: null }));
    expectExact(NotificationView, renderNotification({ ...n, node: 'n1', cluster: 'c1', readAt: 5 }));
  });

  it('refuses an undeclared field or a null where the schema has none (the checks above can fail)', () => {
    const schema = Type.Object({ a: Type.String() });
    expect([...Value.Errors(closed(schema), { a: 'x', b: 1 })]).not.toEqual([]);
    expect([...Value.Errors(closed(schema), { a: null })]).not.toEqual([]);
  });
});
