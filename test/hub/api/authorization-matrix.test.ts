import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RouteAccessEntry } from '../../../hub/api/auth/plugin.js';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission, type RouteAccess } from '../../../hub/api/auth/permissions.js';
import { monitorErrorHandler } from '../../../hub/api/monitor/errors.js';
import { ecpErrorHandler } from '../../../hub/api/ecp/errors.js';
import { pveManagerErrorHandler } from '../../../hub/api/pve-manager/errors.js';
import { proxmoxerErrorHandler } from '../../../hub/api/proxmoxer/errors.js';
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
 * Public on purpose. docs/security.md: "Only health checks (the
 * proxmoxer seed's `GET /health` too), login and register are public"; besides those: the Proxmox manager's logout (it must
 * work with an expired session) and skyclust's WebSocket (browsers cannot
 * send headers on the upgrade, so it authenticates by its first message).
 */
const PUBLIC_ROUTES = [
  'GET /api/v1/system/health',
  'GET /api/v1/health',
  'GET /api/v1/health/db',
  'GET /api/v1/health/redis',
  'GET /health',
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /ws',
  'GET /api/v1/ws',
  // The web console's page and bundles (docs/console.md): code, no data; each API call it makes is authorised.
  'GET /',
  'GET /assets/*',
];

/**
 * Open to every signed-in role (`authenticated`): only the caller's own
 * things (logout, profile, notifications: skyclust's and the Proxmox
 * manager's views of the same store, both narrowed to the caller) and
 * workspaces, which the handlers narrow to the caller's memberships.
 */
const ANY_USER_ROUTES = [
  'POST /api/v1/auth/logout',
  'GET /api/v1/users/me',
  'GET /api/v1/workspaces',
  'GET /api/v1/workspaces/:id',
  'GET /api/v1/workspaces/:id/members',
  'GET /api/v1/notifications',
  'PUT /api/v1/notifications/read-all',
  'PUT /api/v1/notifications/:id/read',
  'GET /api/notifications',
  'GET /api/notifications/latest',
  'DELETE /api/notifications/:id',
];

/** Managing the caller's own credentials (`credentials`): every signed-in role, but never with an API key (issue 13). */
const CREDENTIAL_ROUTES = ['POST /api/v1/api-keys', 'GET /api/v1/api-keys', 'DELETE /api/v1/api-keys/:id', 'PUT /api/v1/users/me/password'];

/**
 * Needing a permission only admins have: accounts, the audit log, the
 * Proxmox cluster registry's changes (they store a cluster's credential and
 * make an API token on it), the vault's secrets (values answered), and the
 * hub's own log lines and effective config (secrets masked, still an admin's).
 */
const ADMIN_ONLY_ROUTES = [
  'GET /api/v1/users',
  'GET /api/v1/users/:id',
  'POST /api/v1/users',
  'PUT /api/v1/users/:id',
  'DELETE /api/v1/users/:id',
  'GET /api/v1/audit-logs',
  'POST /api/v1/clusters',
  'DELETE /api/v1/clusters/:cluster_name',
  'GET /api/vault/secrets/*',
  'POST /api/vault/secrets/*',
  'GET /api/system/logs',
  'GET /api/system/config',
];

/** Swagger UI's routes (the OpenAPI description, no data), declared public by hub/api/server.ts. */
const isSwaggerUi = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** An area's error body: its code for a refusal, and its name (and status, 400 unless said) for a validation error. */
interface Area {
  name: string;
  validation: string;
  validationStatus?: number;
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
  // proxmoxer-cluster-api: `{code, message, details}`, the code the status text without spaces (`Unauthorized`) for its own refusals.
  [
    proxmoxerErrorHandler.name,
    {
      name: 'proxmoxer',
      validation: 'BadRequest',
      codeOf: (b) => {
        const code = typeof (b as Body)?.message === 'string' && 'details' in (b as Body) ? (b as Body).code : undefined;
        return ({ Unauthorized: 'UNAUTHORIZED', Forbidden: 'FORBIDDEN' } as Record<string, string>)[code as string] ?? (code as string | undefined);
      },
    },
  ],
  [ecpErrorHandler.name, { name: 'ecp', validation: 'VALIDATION_ERROR', validationStatus: 422, codeOf: (b) => (typeof (b as { error?: { request_id?: unknown } })?.error?.request_id === 'string' ? (b as Body).error?.code : undefined) }],
]);

const mayUse = (caller: Caller, access: RouteAccess): boolean =>
  access === 'public' || (caller !== 'anonymous' && (access === 'authenticated' || access === 'credentials' || GRANTS[caller].includes(access)));


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
    // A node's credential fails as a login on every route it is tried on: the throttle must not answer 429 in place of the 401.
    hub = await startApiHub({
      auth: { rateLimit: { anonymous: 100_000, authenticated: 100_000, apiKey: 100_000 }, loginThrottle: { perAccount: 100_000, perIp: 100_000, delayAfter: 100_000 } },
    });
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

  /** Path parameters: real names where they are cheap (node, cluster, the viewer's id), else ids nothing has (a 404 is past authorisation; any collection's `:id` is a UUID nothing has unless listed). */
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
        task_id: 'no-such-task',
        server_id: '999999',
        backup_id: 'no-such-backup',
        tenantId: 'no-such-tenant',
        deploymentId: 'dep-0000000000000000',
        id: { users: r.method === 'GET' ? ids.viewer : MISSING_UUID, 'api-keys': 'no-such-key' }[collection ?? ''] ?? MISSING_UUID,
      };
      const v = value[name];
      if (v === undefined) throw new Error(`no test value for :${name} of ${key(r)}; add one to pathOf`);
      return encodeURIComponent(v);
    });

  /**
   * One request with an empty JSON object as the body of POST/PUT (a 400 from
   * validation is past authorisation), and the JSON content type and
   * `X-Demo-Mode: true` on every method, as the ECP seed sends them (its
   * routes refuse a request without the header); SSE streams are not read,
   * HEAD answers have no body.
   */
  const send = async (r: RouteAccessEntry, user: [string, string] | null, headers: Record<string, string> = {}, body = '{}'): Promise<Answer> => {
    const path = pathOf(r);
    // A route that never answers fails here, naming itself, rather than as the whole test's timeout.
    const res = await hub
      .request(path, {
        method: r.method,
        user,
        headers: { 'x-demo-mode': 'true', ...headers, 'content-type': 'application/json' },
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

  /** Why an answer is wrong when the request should be let through (`allowed`) or refused with 401 or 403, or null when it is right. */
  const wrongAnswer = (expected: 'allowed' | 401 | 403, r: (typeof httpRoutes)[number], a: Answer): string | null => {
    const got = `got ${a.status} ${JSON.stringify(a.body)?.slice(0, 300)}`;
    if (!r.area) return `answers with an unknown error body (no known area error handler); ${got}`;
    if (expected === 'allowed') {
      // Deliberate answers in the area's body are past authorisation too: 503 SERVICE_UNAVAILABLE, a backend the hub has not configured
      // (the Proxmox manager without pveManager.cluster).
      const deliberate = { 503: 'SERVICE_UNAVAILABLE' }[a.status];
      const validationStatus = r.area.validationStatus ?? 400;
      const past = (a.status >= 200 && a.status < 300) || [400, 404, 409, validationStatus].includes(a.status) || (deliberate !== undefined && r.area.codeOf(a.body) === deliberate);
      if (!past) return `allowed (${r.access}): expected 2xx, 400, 404, 409, ${validationStatus} or 503 SERVICE_UNAVAILABLE, ${got}`;
      if (a.status === validationStatus && r.area.codeOf(a.body) !== r.area.validation) return `allowed (${r.access}): a ${validationStatus} must be ${r.area.validation} in the ${r.area.name} body, ${got}`;
      return null;
    }
    const code = expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN';
    return a.status === expected && r.area.codeOf(a.body) === code ? null : `needs ${r.access}: expected ${expected} ${code} in the ${r.area.name} body, ${got}`;
  };
  /** Why an answer is wrong for this caller (Basic, or none), or null when it is right. */
  const misjudged = (caller: Caller, r: (typeof httpRoutes)[number], a: Answer): string | null =>
    wrongAnswer(mayUse(caller, r.access) ? 'allowed' : caller === 'anonymous' ? 401 : 403, r, a);

  it('has the role table of the issue and docs/security.md', () => {
    for (const role of ROLES) expect([...ROLE_PERMISSIONS[role]].sort(), role).toEqual([...GRANTS[role]].sort());
  });

  it('lists every route with a declared access, including hidden and WebSocket ones and every OpenAPI operation', async () => {
    // The recorder's hook runs before the server's, which declares Swagger UI's routes public: take that declaration as made.
    const declared = recorder.routes.filter((r) => r.method !== 'HEAD').map((r) => ({ ...r, access: r.access ?? (isSwaggerUi(r.url) ? 'public' : undefined) }));
    expect(declared.filter((r) => r.access === undefined).map(key), 'routes that declare no config.access').toEqual([]);
    // The auth plugin's table is the whole route table: the same rows, nothing missing, nothing extra.
    expect(app.routeAccess.map((r) => `${key(r)} ${r.access}`).sort()).toEqual(declared.map((r) => `${key(r)} ${r.access}`).sort());
    expect(new Set(httpRoutes.map((r) => r.area?.name)), 'every area is in the table').toEqual(new Set(['monitor', 'skyclust', 'pve-manager', 'ecp', 'proxmoxer']));
    expect(recorder.routes.filter((r) => r.websocket && r.method === 'GET').map((r) => r.url).sort()).toEqual(['/api/v1/monitoring/stream/power', '/api/v1/ws', '/ws', '/ws/alerts/:tenantId', '/ws/deployment/:deploymentId', '/ws/monitoring/:tenantId']);

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
    expect(where((a) => a === 'credentials')).toEqual([...CREDENTIAL_ROUTES].sort());
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
        // HEAD answers have no body: a 503 is taken as the GET's SERVICE_UNAVAILABLE, which the matrix above checks by its body.
        const ok = allowed ? a.status !== 401 && a.status !== 403 && (a.status < 500 || a.status === 503) : a.status === (caller === 'anonymous' ? 401 : 403);
        if (!ok) wrong.push(`${caller} HEAD ${pathOf(r)} (${r.access}): got ${a.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers every HTTP route per credential kind: none, sessions and JWTs of each role, scoped and unscoped API keys, a node\'s credential, expired and revoked keys', { timeout: 180_000 }, async () => {
    const json = { 'content-type': 'application/json' };
    const login = async (url: string, role: Role) => {
      const [username, password] = basic[role];
      const res = await hub.request(url, { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) });
      expect(res.status).toBe(200);
      return res;
    };
    const jwt = async (role: Role) => ({ authorization: `Bearer ${((await (await login('/api/v1/auth/login', role)).json()) as { data: { token: string } }).data.token}` });
    const session = async (role: Role) => ({ cookie: (await login('/api/auth/login', role)).headers.getSetCookie().find((c) => c.startsWith('kcloud_session='))!.split(';')[0]! });
    const newKey = async (role: Role, scopes?: Permission[]) => {
      const body = JSON.stringify({ name: 'matrix', ...(scopes && { scopes }) });
      const { data } = (await hub.json('/api/v1/api-keys', { method: 'POST', user: basic[role], headers: json, body })) as { data: { id: string; key: string } };
      return data;
    };
    const expired = await newKey('user');
    hub.db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, expired.id);
    const revoked = await newKey('user');
    expect((await hub.request(`/api/v1/api-keys/${revoked.id}`, { method: 'DELETE', user: basic.user })).status).toBe(200);
    const scope: Permission = 'metrics:read';

    /** Each kind: how to get its headers (again for a logout, which ends a session or token) and what it may do, by the route's declared access. */
    type Expected = 'allowed' | 401 | 403;
    const signedIn = (role: Role) => (access: RouteAccess): Expected => (mayUse(role, access) ? 'allowed' : 403);
    const refusedUnlessPublic = (access: RouteAccess): Expected => (access === 'public' ? 'allowed' : 401);
    // A node's password is checked like a user's (argon2, then counted as a failed login): one route per access value, not all of them.
    const onePerAccess = [...new Map(httpRoutes.map((r) => [r.access, r])).values()];
    const kinds: { name: string; headers: () => Promise<Record<string, string>>; expected: (access: RouteAccess) => Expected; routes?: typeof httpRoutes }[] = [
      { name: 'no credential', headers: async () => ({}), expected: refusedUnlessPublic },
      ...ROLES.map((role) => ({ name: `${role} session`, headers: () => session(role), expected: signedIn(role) })),
      ...ROLES.map((role) => ({ name: `${role} JWT`, headers: () => jwt(role), expected: signedIn(role) })),
      {
        name: 'unscoped API key (user)',
        headers: async () => ({ 'x-api-key': (await newKey('user')).key }),
        expected: (access) => (access === 'credentials' ? 403 : signedIn('user')(access)),
      },
      {
        name: `API key scoped to ${scope} (user)`,
        headers: async () => ({ 'x-api-key': (await newKey('user', [scope])).key }),
        expected: (access) => (access === 'public' || access === 'authenticated' || access === scope ? 'allowed' : 403),
      },
      {
        name: 'node credential',
        headers: async () => ({ authorization: `Basic ${Buffer.from(`${ids.node}:${ids.node}-secret`).toString('base64')}` }),
        expected: refusedUnlessPublic,
        routes: onePerAccess,
      },
      { name: 'expired API key', headers: async () => ({ 'x-api-key': expired.key }), expected: refusedUnlessPublic },
      { name: 'revoked API key', headers: async () => ({ 'x-api-key': revoked.key }), expected: refusedUnlessPublic },
    ];

    const wrong: string[] = [];
    let checked = 0;
    for (const kind of kinds) {
      const held = await kind.headers();
      for (const r of kind.routes ?? httpRoutes) {
        const headers = r.url.endsWith('/logout') ? await kind.headers() : held;
        const why = wrongAnswer(kind.expected(r.access), r, await send(r, null, headers));
        if (why) wrong.push(`${kind.name} ${r.method} ${pathOf(r)}: ${why}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(kinds.reduce((n, k) => n + (k.routes ?? httpRoutes).length, 0));
    // Not vacuous: the scoped key is refused credential routes and routes of other permissions, and let through its own.
    const scoped = kinds.find((k) => k.name.startsWith('API key scoped'))!;
    expect(['credentials', 'system:read', scope].map((a) => scoped.expected(a as RouteAccess))).toEqual([403, 403, 'allowed']);
  });

  it('lets a viewer mutate nothing but its own credentials and notifications', async () => {
    const mutations = httpRoutes.filter((r) => r.method !== 'GET');
    // Every mutation a viewer can reach is one of the caller's own things (public or `authenticated`), never the fleet, users or workspaces;
    // besides those, ECP's two POSTs that only compute an answer from the body (sizing, a manifest's check) and store nothing.
    expect(
      mutations.filter((r) => mayUse('viewer', r.access)).map(key).sort(),
    ).toEqual([
      'DELETE /api/notifications/:id',
      'DELETE /api/v1/api-keys/:id',
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'POST /api/v1/api-keys',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/register',
      'POST /api/v1/tenants/calculate-resources',
      'POST /api/v1/tenants/validate-manifest',
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
        const got = await upgrade(pathOf(r), headers);
        const expected = mayUse(caller, r.access) ? 'open' : caller === 'anonymous' ? 401 : 403;
        // A route with path parameters gets ids nothing has (pathOf): its 404 is past authorisation, as on HTTP.
        const past = expected === 'open' && r.url.includes(':') && got === 404;
        if (got !== expected && !past) wrong.push(`${caller} ${r.url} (${r.access}): expected ${expected}, got ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
