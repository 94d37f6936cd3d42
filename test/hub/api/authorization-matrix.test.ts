import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RouteAccessEntry } from '../../../hub/api/auth/plugin.js';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission, type RouteAccess } from '../../../hub/api/auth/permissions.js';
import { monitorErrorHandler } from '../../../hub/api/monitor/errors.js';
import { pveManagerErrorHandler } from '../../../hub/api/pve-manager/errors.js';
import { skyclustErrorHandler } from '../../../hub/api/skyclust/errors.js';
import type { Role } from '../../../hub/identity/users.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../helpers/hub.js';
import { fastifyPath, recorder } from '../../helpers/route-table.js';

// The hub under test is the real one; only its Fastify factory is wrapped, to read the route table of the very server that answers.
vi.mock('fastify', async (importOriginal) => (await import('../../helpers/route-table.js')).recordingFastify(await importOriginal()));

/** The roles as the issue and docs/security.md give them; the matrix is judged against this, not against the code's own table. */
const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  user: ['system:read', 'workspace:manage', 'metrics:read', 'infra:manage'],
  viewer: ['system:read', 'metrics:read'],
};
const ROLES = Object.keys(GRANTS) as Role[];
type Caller = Role | 'anonymous';

/**
 * Public on purpose. docs/security.md: "Only health checks, login and
 * register are public"; besides those: the Proxmox manager's logout (it must
 * work with an expired session), skyclust's WebSocket (browsers cannot send
 * headers on the upgrade, so it authenticates by its first message) and the
 * ReDoc page.
 */
const PUBLIC_ROUTES = [
  'GET /api/v1/system/health',
  'GET /api/v1/health',
  'GET /api/v1/health/db',
  'GET /api/v1/health/redis',
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /ws',
  'GET /api/v1/ws',
  'GET /redoc',
];

/**
 * Open to every signed-in role (`authenticated`): only the caller's own
 * things (credentials, profile, notifications) and workspaces, which the
 * handlers narrow to the caller's memberships.
 */
const ANY_USER_ROUTES = [
  'POST /api/v1/auth/logout',
  'POST /api/v1/api-keys',
  'GET /api/v1/api-keys',
  'DELETE /api/v1/api-keys/:id',
  'GET /api/v1/users/me',
  'PUT /api/v1/users/me/password',
  'GET /api/v1/workspaces',
  'GET /api/v1/workspaces/:id',
  'GET /api/v1/workspaces/:id/members',
  'GET /api/v1/notifications',
  'PUT /api/v1/notifications/read-all',
  'PUT /api/v1/notifications/:id/read',
];

/** Needing a permission only admins have: accounts and the audit log. */
const ADMIN_ONLY_ROUTES = ['GET /api/v1/users', 'GET /api/v1/users/:id', 'POST /api/v1/users', 'PUT /api/v1/users/:id', 'DELETE /api/v1/users/:id', 'GET /api/v1/audit-logs'];

/** Swagger UI's routes (the OpenAPI description, no data), declared public by hub/api/server.ts. */
const isSwaggerUi = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** An area's error body: its code for a refusal, and its name for a validation error. */
interface Area {
  name: string;
  validation: string;
  codeOf(body: unknown): string | undefined;
}
type Body = Record<string, unknown> & { error?: { code?: string } };
const AREAS = new Map<string, Area>([
  [monitorErrorHandler.name, { name: 'monitor', validation: 'INVALID_PARAMETER', codeOf: (b) => (typeof (b as Body)?.timestamp === 'string' ? (b as Body).error?.code : undefined) }],
  [
    skyclustErrorHandler.name,
    { name: 'skyclust', validation: 'VALIDATION_ERROR', codeOf: (b) => ((b as Body)?.success === false && typeof (b as Body).request_id === 'string' ? ((b as Body).code as string) : undefined) },
  ],
  [pveManagerErrorHandler.name, { name: 'pve-manager', validation: 'INVALID_REQUEST', codeOf: (b) => (b as Body)?.error?.code }],
]);

const mayUse = (caller: Caller, access: RouteAccess): boolean =>
  access === 'public' || (caller !== 'anonymous' && (access === 'authenticated' || GRANTS[caller].includes(access)));


const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const withBody = (method: string) => ['POST', 'PUT', 'PATCH'].includes(method);
/** A UUID no user, workspace, notification or GPU has (mutating user routes must not touch the accounts the matrix signs in with). */
const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

interface Answer {
  status: number;
  body: unknown;
}

describe('authorisation matrix: every route x every role (real hub)', () => {
  let hub: ApiHub;
  let app: FastifyInstance;
  let httpRoutes: (RouteAccessEntry & { area: Area | undefined })[];
  const basic: Record<Role, [string, string]> = { admin: ['admin', ADMIN_PASSWORD], user: ['uma', 'uma-password'], viewer: ['vic', 'vic-password'] };
  const ids = { node: 'matrix-node', cluster: 'matrix-cluster', viewer: '', user: '' };

  beforeAll(async () => {
    // The matrix sends a few hundred requests per principal and ip: raise skyclust-api's 1000/h and 100/h (anonymous) so a 429 cannot stand in for an answer.
    hub = await startApiHub({ auth: { rateLimit: { anonymous: 100_000, authenticated: 100_000, apiKey: 100_000 } } });
    await hub.addUser('uma', 'user', 'uma-password');
    await hub.addUser('vic', 'viewer', 'vic-password');
    // An online node, so the node and cluster routes answer 200 for the allowed roles rather than 404.
    await hub.publishStatus(await hub.addNode(ids.node, ids.cluster), {});
    ids.viewer = (await hub.json('/api/v1/users/me', { user: basic.viewer })).data.id;
    ids.user = (await hub.json('/api/v1/users/me', { user: basic.user })).data.id;
    expect(recorder.servers).toHaveLength(1);
    app = recorder.servers[0]!;
    const recorded = new Map(recorder.routes.map((r) => [key(r), r]));
    httpRoutes = app.routeAccess.filter((r) => !recorded.get(key(r))?.websocket).map((r) => ({ ...r, area: AREAS.get(recorded.get(key(r))?.errorHandler ?? '') }));
    // Logout and password routes last: with other credentials than Basic they end what the rest of a pass uses.
    const last = (r: RouteAccessEntry) => /\/(logout|password)$/.test(r.url);
    httpRoutes.sort((a, b) => Number(last(a)) - Number(last(b)));
  });
  afterAll(async () => {
    await hub?.close();
  });

  /** Path parameters: real names where they are cheap (node, cluster, the viewer's id), else ids nothing has (a 404 is past authorisation). */
  const pathOf = (r: RouteAccessEntry): string =>
    r.url.replace(/:(\w+)/g, (_m, name: string) => {
      const collection = r.url.split('/').at(r.url.split('/').indexOf(`:${name}`) - 1);
      const value: Record<string, string | undefined> = {
        gpu_id: `GPU-${MISSING_UUID}`,
        node_name: ids.node,
        cluster_name: ids.cluster,
        namespace: 'default',
        pod_name: 'no-such-pod',
        user_id: ids.viewer,
        id: { users: r.method === 'GET' ? ids.viewer : MISSING_UUID, workspaces: MISSING_UUID, notifications: MISSING_UUID, 'api-keys': 'no-such-key' }[collection ?? ''],
      };
      const v = value[name];
      if (v === undefined) throw new Error(`no test value for :${name} of ${key(r)}; add one to pathOf`);
      return encodeURIComponent(v);
    });

  /** One request with an empty JSON object as the body of POST/PUT (a 400 from validation is past authorisation); SSE streams are not read, HEAD answers have no body. */
  const send = async (r: RouteAccessEntry, user: [string, string] | null, headers: Record<string, string> = {}, body = '{}'): Promise<Answer> => {
    const path = pathOf(r);
    // A route that never answers fails here, naming itself, rather than as the whole test's timeout.
    const res = await hub
      .request(path, {
        method: r.method,
        user,
        headers: { ...headers, ...(withBody(r.method) && { 'content-type': 'application/json' }) },
        ...(withBody(r.method) && { body }),
        signal: AbortSignal.timeout(5000),
      })
      .catch((err: unknown) => {
        throw new Error(`${r.method} ${path}: no answer`, { cause: err });
      });
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream')) {
      await res.body?.cancel();
      return { status: res.status, body: null };
    }
    const text = await res.text();
    return { status: res.status, body: type.includes('json') && text ? JSON.parse(text) : text.slice(0, 200) };
  };

  /** Why an answer is wrong for this caller, or null when it is right. */
  const misjudged = (caller: Caller, r: (typeof httpRoutes)[number], a: Answer): string | null => {
    const got = `got ${a.status} ${JSON.stringify(a.body)?.slice(0, 300)}`;
    if (!r.area) return `answers with an unknown error body (no known area error handler); ${got}`;
    if (mayUse(caller, r.access)) {
      const past = (a.status >= 200 && a.status < 300) || [400, 404, 409].includes(a.status);
      if (!past) return `allowed (${r.access}): expected 2xx, 400, 404 or 409, ${got}`;
      if (a.status === 400 && r.area.codeOf(a.body) !== r.area.validation) return `allowed (${r.access}): a 400 must be ${r.area.validation} in the ${r.area.name} body, ${got}`;
      return null;
    }
    const [status, code] = caller === 'anonymous' ? [401, 'UNAUTHORIZED'] : [403, 'FORBIDDEN'];
    return a.status === status && r.area.codeOf(a.body) === code ? null : `needs ${r.access}: expected ${status} ${code} in the ${r.area.name} body, ${got}`;
  };

  it('has the role table of the issue and docs/security.md', () => {
    for (const role of ROLES) expect([...ROLE_PERMISSIONS[role]].sort(), role).toEqual([...GRANTS[role]].sort());
  });

  it('lists every route with a declared access, including hidden and WebSocket ones and every OpenAPI operation', async () => {
    // The recorder's hook runs before the server's, which declares Swagger UI's routes public: take that declaration as made.
    const declared = recorder.routes.filter((r) => r.method !== 'HEAD').map((r) => ({ ...r, access: r.access ?? (isSwaggerUi(r.url) ? 'public' : undefined) }));
    expect(declared.filter((r) => r.access === undefined).map(key), 'routes that declare no config.access').toEqual([]);
    // The auth plugin's table is the whole route table: the same rows, nothing missing, nothing extra.
    expect(app.routeAccess.map((r) => `${key(r)} ${r.access}`).sort()).toEqual(declared.map((r) => `${key(r)} ${r.access}`).sort());
    expect(new Set(httpRoutes.map((r) => r.area?.name)), 'every area is in the table').toEqual(new Set(['monitor', 'skyclust', 'pve-manager']));
    expect(recorder.routes.filter((r) => r.websocket && r.method === 'GET').map((r) => r.url).sort()).toEqual(['/api/v1/monitoring/stream/power', '/api/v1/ws', '/ws']);

    const doc = (await hub.json('/docs/json')) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${fastifyPath(path)}`));
    expect(operations.length).toBeGreaterThan(40);
    const table = new Set(app.routeAccess.map(key));
    expect(operations.filter((op) => !table.has(op)), 'OpenAPI operations missing from routeAccess').toEqual([]);
    expect(httpRoutes.filter((r) => !r.area).map(key), 'routes with an unknown error body').toEqual([]);
  });

  // The matrix judges each route by the access it declares; these lists catch a route that declares too little.
  it('keeps public, any-user and admin-only routes to the reviewed lists', () => {
    const where = (test: (access: RouteAccess) => boolean) => app.routeAccess.filter((r) => test(r.access)).map(key).sort();
    expect(where((a) => a === 'public').filter((r) => !isSwaggerUi(r.split(' ')[1]!))).toEqual([...PUBLIC_ROUTES].sort());
    expect(where((a) => a === 'authenticated')).toEqual([...ANY_USER_ROUTES].sort());
    expect(where((a) => ROLES.every((role) => mayUse(role, a) === (role === 'admin')))).toEqual([...ADMIN_ONLY_ROUTES].sort());
  });

  it('declares the Swagger UI routes public and serves them without credentials', async () => {
    const swaggerUi = app.routeAccess.filter((r) => r.method === 'GET' && isSwaggerUi(r.url));
    expect(swaggerUi.map((r) => r.url)).toContain('/docs/json');
    expect(swaggerUi.every((r) => r.access === 'public')).toBe(true);
    expect((await hub.request('/docs/json', { user: null })).status).toBe(200);
  });

  it('answers every role and anonymous callers exactly as their permissions say, on every HTTP route (Basic)', async () => {
    const callers: [Caller, [string, string] | null][] = [...ROLES.map((r): [Caller, [string, string]] => [r, basic[r]]), ['anonymous', null]];
    const wrong: string[] = [];
    let checked = 0;
    for (const r of httpRoutes) {
      for (const [caller, user] of callers) {
        // X-Demo-Mode must never authenticate (docs/security.md), so anonymous requests carry it.
        const answer = await send(r, user, caller === 'anonymous' ? { 'x-demo-mode': 'true' } : {});
        const why = misjudged(caller, r, answer);
        if (why) wrong.push(`${caller} ${r.method} ${pathOf(r)}: ${why}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(httpRoutes.length * callers.length);
    // Both outcomes occur, so the matrix is not vacuous: admin passes everything, the viewer is refused user:delete.
    expect(httpRoutes.some((r) => !mayUse('viewer', r.access)) && httpRoutes.some((r) => r.access === 'public')).toBe(true);
  });

  it('guards the HEAD twin of every GET route like the GET itself', async () => {
    const heads = new Set(recorder.routes.filter((r) => r.method === 'HEAD').map((r) => r.url));
    // The SSE stream has no HEAD twin (a hijacked HEAD reply would never send its headers).
    expect(heads.has('/api/v1/monitoring/events/power')).toBe(false);
    const gets = httpRoutes.filter((r) => r.method === 'GET' && heads.has(r.url));
    expect(gets.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const r of gets) {
      for (const [caller, user] of [['viewer', basic.viewer], ['anonymous', null]] as const) {
        const a = await send({ ...r, method: 'HEAD' }, user);
        const allowed = mayUse(caller, r.access);
        const ok = allowed ? a.status !== 401 && a.status !== 403 && a.status < 500 : a.status === (caller === 'anonymous' ? 401 : 403);
        if (!ok) wrong.push(`${caller} HEAD ${pathOf(r)} (${r.access}): got ${a.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives a JWT, an API key and a session cookie the same answers as Basic, one route per access value', async () => {
    // One route per access value, a GET where there is one (no side effects).
    const sample = new Map<RouteAccess, (typeof httpRoutes)[number]>();
    for (const r of [...httpRoutes].sort((a, b) => Number(b.method === 'GET') - Number(a.method === 'GET'))) if (!sample.has(r.access)) sample.set(r.access, r);
    expect([...sample.keys()]).toEqual(expect.arrayContaining(['public', 'authenticated', 'metrics:read', 'user:read', 'user:delete', 'workspace:manage', 'audit:read']));

    const wrong: string[] = [];
    for (const role of ROLES) {
      const [username, password] = basic[role];
      const login = await hub.request('/api/v1/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      expect(login.status).toBe(200);
      const jwt = ((await login.json()) as { data: { token: string } }).data.token;
      const created = await hub.request('/api/v1/api-keys', { method: 'POST', user: basic[role], headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'matrix' }) });
      expect(created.status).toBe(201);
      const apiKey = ((await created.json()) as { data: { key: string } }).data.key;
      const session = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      expect(session.status).toBe(200);
      const cookie = session.headers.getSetCookie().find((c) => c.startsWith('kcloud_session='))!.split(';')[0]!;

      const styles: [string, Record<string, string>][] = [
        ['jwt', { authorization: `Bearer ${jwt}` }],
        ['api key', { 'x-api-key': apiKey }],
        ['session', { cookie }],
      ];
      for (const r of sample.values()) {
        const viaBasic = await send(r, basic[role]);
        const why = misjudged(role, r, viaBasic);
        if (why) wrong.push(`${role} basic ${key(r)}: ${why}`);
        for (const [style, headers] of styles) {
          const a = await send(r, null, headers);
          if (a.status !== viaBasic.status) wrong.push(`${role} ${style} ${key(r)}: ${a.status}, Basic got ${viaBasic.status} ${JSON.stringify(a.body)?.slice(0, 200)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses an API key routes outside its scopes even when its owner\'s role allows them', async () => {
    const created = await hub.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'metrics only', scopes: ['metrics:read'] }),
    });
    const apiKey = ((await created.json()) as { data: { key: string } }).data.key;
    const users = await hub.request('/api/v1/users', { user: null, headers: { 'x-api-key': apiKey } });
    expect(users.status).toBe(403);
    expect(((await users.json()) as Body).code).toBe('FORBIDDEN');
    expect((await hub.request('/api/v1/accelerators/gpus', { user: null, headers: { 'x-api-key': apiKey } })).status).toBe(200);
  });

  it('lets a viewer mutate nothing but its own credentials and notifications', async () => {
    const mutations = httpRoutes.filter((r) => r.method !== 'GET');
    // Every mutation a viewer can reach is one of the caller's own things (public or `authenticated`), never the fleet, users or workspaces.
    expect(
      mutations.filter((r) => mayUse('viewer', r.access)).map(key).sort(),
    ).toEqual([
      'DELETE /api/v1/api-keys/:id',
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'POST /api/v1/api-keys',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/register',
      'PUT /api/v1/notifications/:id/read',
      'PUT /api/v1/notifications/read-all',
      'PUT /api/v1/users/me/password',
    ]);

    // Real attempts with valid bodies, on real targets: each is refused and nothing changed.
    const workspacesBefore = (await hub.json('/api/v1/workspaces')).data;
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/v1/users', { username: 'eve', password: 'eve-password-1', role: 'admin' }],
      ['PUT', `/api/v1/users/${ids.viewer}`, { role: 'admin' }],
      ['PUT', `/api/v1/users/${ids.user}`, { is_active: false }],
      ['DELETE', `/api/v1/users/${ids.user}`, undefined],
      ['POST', '/api/v1/workspaces', { name: 'viewer-space' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await hub.request(path, {
        method,
        user: basic.viewer,
        ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as Body).code).toBe('FORBIDDEN');
    }
    const users = (await hub.json('/api/v1/users')).data.users as { username: string; role: string; is_active: boolean }[];
    expect(users.map((u) => [u.username, u.role, u.is_active]).sort()).toEqual([
      ['admin', 'admin', true],
      ['uma', 'user', true],
      ['vic', 'viewer', true],
    ]);
    expect((await hub.json('/api/v1/workspaces')).data).toEqual(workspacesBefore);
  });

  it('refuses a WebSocket upgrade without credentials unless the route is public, and per role as on HTTP', async () => {
    const ws = app.routeAccess.filter((r) => recorder.routes.some((x) => x.websocket && key(x) === key(r)));
    expect(ws.length).toBeGreaterThan(0);
    /** 'open', or the HTTP status the upgrade was refused with. */
    const upgrade = (url: string, headers: Record<string, string>) =>
      new Promise<number | 'open'>((resolve, reject) => {
        const socket = new WebSocket(`${hub.api.replace(/^http/, 'ws')}${url}`, { headers });
        socket.once('open', () => {
          socket.close();
          resolve('open');
        });
        socket.once('unexpected-response', (_req, res) => {
          res.resume();
          socket.terminate();
          resolve(res.statusCode ?? 0);
        });
        socket.once('error', reject);
      });
    const wrong: string[] = [];
    for (const r of ws) {
      const callers: [Caller, Record<string, string>][] = [
        ['anonymous', {}],
        ...ROLES.map((role): [Caller, Record<string, string>] => [role, { authorization: `Basic ${Buffer.from(basic[role].join(':')).toString('base64')}` }]),
      ];
      for (const [caller, headers] of callers) {
        const got = await upgrade(r.url, headers);
        const expected = mayUse(caller, r.access) ? 'open' : caller === 'anonymous' ? 401 : 403;
        if (got !== expected) wrong.push(`${caller} ${r.url} (${r.access}): expected ${expected}, got ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
