import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonFinitePath } from '../../../hub/api/finite-numbers.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../helpers/hub.js';

const json = { 'content-type': 'application/json' };

interface OpenApiDoc {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: { required?: string[]; minProperties?: number } }> } }>>;
}

/** The field a 400 names, in whichever area's error body it came (skyclust `data.parameter`, monitor `error.details.parameter`, Proxmox manager `error.details.field`). */
function namedField(body: { data?: { parameter?: string }; error?: { details?: { parameter?: string; field?: string } } }): string | undefined {
  return body.data?.parameter ?? body.error?.details?.parameter ?? body.error?.details?.field;
}

describe('HTTP request hygiene (real hub)', () => {
  let hub: ApiHub;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    hub = await startApiHub();
    doc = await hub.json('/docs/json');
  });
  afterAll(() => hub?.close());

  /** A bodiless request carrying `Content-Type: application/json`, as the ECP seed and common clients send it. */
  const bodiless = (method: string, path: string, opts: Parameters<ApiHub['request']>[1] = {}) => hub.request(path, { ...opts, method, headers: { ...json, ...(opts.headers as Record<string, string>) } });

  it('serves bodiless DELETEs, PUTs and logouts that carry Content-Type: application/json', async () => {
    const key = (await hub.json('/api/v1/api-keys', { method: 'POST', headers: json, body: JSON.stringify({ name: 'to revoke' }) })).data;
    const workspace = (await hub.json('/api/v1/workspaces', { method: 'POST', headers: json, body: JSON.stringify({ name: 'to delete' }) })).data;
    await hub.addUser('gone', 'viewer');
    const users = (await hub.json('/api/v1/users')).data.users as { id: string; username: string }[];
    const gone = users.find((u) => u.username === 'gone')!;

    for (const [method, path] of [
      ['DELETE', `/api/v1/api-keys/${key.id}`],
      ['DELETE', `/api/v1/workspaces/${workspace.id}`],
      ['DELETE', `/api/v1/users/${gone.id}`],
      ['PUT', '/api/v1/notifications/read-all'],
    ] as const) {
      const res = await bodiless(method, path);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200);
    }
    // The effects happened: the key is revoked, the workspace and the user are gone.
    expect((await hub.json('/api/v1/api-keys')).data.api_keys.find((k: { id: string }) => k.id === key.id).revoked_at).not.toBeNull();
    expect((await hub.request(`/api/v1/workspaces/${workspace.id}`)).status).toBe(404);
    expect((await hub.request(`/api/v1/users/${gone.id}`)).status).toBe(404);
    // A notification nobody has: past the body, to the handler's 404.
    const read = await bodiless('PUT', '/api/v1/notifications/00000000-0000-4000-8000-000000000000/read');
    expect([read.status, (await read.json()).code]).toEqual([404, 'NOT_FOUND']);

    // Both logouts end the credential they carry.
    const login = await hub.json('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    const bearer = { authorization: `Bearer ${login.data.token}` };
    const out = await bodiless('POST', '/api/v1/auth/logout', { user: null, headers: bearer });
    expect([out.status, (await out.json()).data]).toEqual([200, { revoked: 'jwt' }]);
    expect((await hub.request('/api/v1/users/me', { user: null, headers: bearer })).status).toBe(401);
    const session = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    const cookie = session.headers.getSetCookie().find((c) => c.startsWith('kcloud_session='))!.split(';')[0]!;
    const pveOut = await bodiless('POST', '/api/auth/logout', { user: null, headers: { cookie } });
    expect(pveOut.status).toBe(200);
    expect((await hub.request('/api/v1/users/me', { user: null, headers: { cookie } })).status).toBe(401);
  });

  it('takes an empty JSON body as {} where the route takes a body, so it answers exactly as {} does', async () => {
    // Path ids nothing has; logins and the password change left out (each would run argon2, and {} is refused there anyway).
    const compared: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (!schema || path.includes('/auth/') || path.endsWith('/password')) continue;
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const empty = await bodiless(method.toUpperCase(), url);
        const object = await hub.request(url, { method: method.toUpperCase(), headers: json, body: '{}' });
        const [a, b] = [await empty.json(), await object.json()];
        expect([empty.status, namedField(a)], `${method} ${path}`).toEqual([object.status, namedField(b)]);
        expect(empty.status, `${method} ${path}`).toBeLessThan(500);
        compared.push(`${method} ${path}`);
      }
    }
    expect(compared.length).toBeGreaterThan(5);
  });

  it('refuses limit and offset of Infinity, -Infinity, NaN and 1e400 on every list route like any other invalid number, naming the field', async () => {
    const lists = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method === 'get' && !path.includes('{') && op.parameters?.some((p) => p.in === 'query' && p.name === 'limit'))
        .map(([, op]) => ({ path, fields: ['limit', 'offset'].filter((f) => op.parameters!.some((p) => p.in === 'query' && p.name === f)) })),
    );
    // The seven of the issue, and any list added since.
    expect(lists.map((l) => l.path)).toEqual(expect.arrayContaining(['/api/v1/accelerators/gpus', '/api/v1/infrastructure/nodes', '/api/v1/infrastructure/pods', '/api/v1/users', '/api/v1/workspaces', '/api/v1/notifications', '/api/v1/audit-logs']));
    // The ECP seed's X-Demo-Mode, which its area requires on every request (other areas ignore it).
    const headers = { 'x-demo-mode': 'false' };
    const wrong: string[] = [];
    for (const { path, fields } of lists) {
      for (const field of fields) {
        // What the area answers a plainly invalid number with (400; the ECP area's seed says 422).
        const invalid = await hub.request(`${path}?${field}=abc`, { headers });
        expect([400, 422], `${path}?${field}=abc`).toContain(invalid.status);
        for (const value of ['Infinity', '-Infinity', 'NaN', '1e400']) {
          const res = await hub.request(`${path}?${field}=${value}`, { headers });
          const body = await res.json();
          if (res.status !== invalid.status || namedField(body) !== field) wrong.push(`${path}?${field}=${value}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('describes the API with pages that load nothing from another origin (no CDN ReDoc page)', async () => {
    expect((await hub.request('/redoc', { user: null })).status).toBe(404);
    const page = await hub.request('/docs/', { user: null });
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((a) => /^(https?:)?\/\//.test(a))).toEqual([]);
    for (const asset of assets) expect((await hub.request(new URL(asset, `${hub.api}/docs/`).pathname, { user: null })).status, asset).toBe(200);
  });

  it('finds a non-finite number anywhere in a parsed part, however deep, without recursion', () => {
    expect(nonFinitePath({ limit: 5, filters: [{ min: 1 }, { max: Number.NEGATIVE_INFINITY }] })).toEqual(['filters', '1', 'max']);
    expect(nonFinitePath(Number.NaN)).toEqual([]);
    expect(nonFinitePath({ a: 'Infinity', b: [1, 2, { c: null }] })).toBeNull();
    expect(nonFinitePath(Buffer.from([0xff]))).toBeNull();
    // Flat parts (a query's strings and coerced numbers) take the short way: the same answers.
    expect(nonFinitePath({ limit: 5, cursor: 'x', sort: null })).toBeNull();
    expect(nonFinitePath({ limit: 5, step: Number.POSITIVE_INFINITY })).toEqual(['step']);
    expect(nonFinitePath({ ids: [1, Number.NaN] })).toEqual(['ids', '1']);
    expect(nonFinitePath(undefined)).toBeNull();
    expect(nonFinitePath(3)).toBeNull();
    // 200 000 levels: a recursive walk would overflow the stack.
    let deep: unknown = [Number.POSITIVE_INFINITY];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(nonFinitePath(deep)).toEqual(Array(200_001).fill('0'));
  });
});
