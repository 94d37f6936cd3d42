import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('every credential style resolves to the same user (real hub)', () => {
  let hub: ApiHub;
  let jwt: string;
  let apiKey: string;
  let cookie: string;
  const get = (path: string, headers: Record<string, string>) => hub.request(path, { user: null, headers });

  beforeAll(async () => {
    hub = await startApiHub({ auth: { loginThrottle: { perAccount: 3, perIp: 1000 } } });
    await hub.addUser('dora', 'user', 'dora-password');
    const login = await hub.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'dora', password: 'dora-password' }) });
    jwt = (await login.json()).data.token;
    const key = await hub.request('/api/v1/api-keys', { method: 'POST', user: null, headers: { ...json, authorization: `Bearer ${jwt}` }, body: JSON.stringify({ name: 'all' }) });
    apiKey = (await key.json()).data.key;
    const session = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'dora', password: 'dora-password' }) });
    cookie = session.headers.getSetCookie()[0]!.split(';')[0]!;
  });
  afterAll(() => hub.close());

  it('Basic, Bearer JWT, X-API-Key, Bearer API key and the session cookie all open /users/me as dora', async () => {
    const styles: [string, Record<string, string>][] = [
      ['basic', { authorization: basic('dora', 'dora-password') }],
      ['jwt', { authorization: `Bearer ${jwt}` }],
      ['api_key', { 'x-api-key': apiKey }],
      ['api_key', { authorization: `Bearer ${apiKey}` }],
      ['session', { cookie }],
    ];
    const ids = new Set<string>();
    for (const [via, headers] of styles) {
      const res = await get('/api/v1/users/me', headers);
      expect(res.status).toBe(200);
      const { data } = await res.json();
      expect([data.username, data.auth_method]).toEqual(['dora', via]);
      ids.add(data.id);
    }
    expect(ids.size).toBe(1);
  });

  it('refuses a wrong credential of each style instead of treating it as anonymous', async () => {
    for (const headers of <Record<string, string>[]>[{ authorization: basic('dora', 'nope') }, { authorization: `Bearer ${jwt}x` }, { 'x-api-key': `${apiKey}x` }, { authorization: 'Bearer kck_unknown' }, { cookie: 'kcloud_session=forged' }]) {
      const res = await get('/api/v1/users/me', headers);
      expect([res.status, (await res.json()).code]).toEqual([401, 'UNAUTHORIZED']);
    }
    const none = await get('/api/v1/users/me', {});
    expect(none.status).toBe(401);
  });

  it('documents the auth routes in the OpenAPI document', async () => {
    const doc = await (await get('/docs/json', {})).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/register', '/api/v1/auth/logout', '/api/v1/api-keys', '/api/v1/users/me', '/api/v1/users/{id}', '/api/auth/login', '/api/auth/logout']));
  });

  it('X-Demo-Mode grants nothing', async () => {
    for (const value of ['true', 'false']) expect((await get('/api/v1/users/me', { 'x-demo-mode': value })).status).toBe(401);
    expect((await get('/api/v1/users/me', { 'x-demo-mode': 'true', authorization: `Bearer ${jwt}` })).status).toBe(200);
  });

  it('throttles Basic guessing like logins: 429 before the password is even checked', async () => {
    const id = (hub.db.prepare("SELECT id FROM users WHERE username = 'dora'").get() as { id: number }).id;
    // The wrong Basic password of the previous test counted already.
    const used = (hub.db.prepare('SELECT count(*) AS n FROM login_failures WHERE key = ?').get(`account:user:${id}`) as { n: number }).n;
    expect(used).toBe(1);
    for (let i = used; i < 3; i++) expect((await get('/api/v1/users/me', { authorization: basic('dora', `guess-${i}`) })).status).toBe(401);
    const res = await get('/api/v1/users/me', { authorization: basic('dora', 'dora-password') });
    expect([res.status, (await res.json()).code]).toEqual([429, 'RATE_LIMITED']);
    // Other credentials of the account still work: the throttle is about password guessing.
    expect((await get('/api/v1/users/me', { 'x-api-key': apiKey })).status).toBe(200);
  });

  it("refuses the ambient credentials (Basic, session cookie) from another site's page on HTTP routes and WebSockets; tokens and API keys pass", async () => {
    await hub.addUser('wes', 'user', 'wes-password');
    const evil = 'https://evil.example';
    const wes = basic('wes', 'wes-password');
    const failures = () => (hub.db.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number }).n;

    // HTTP: Basic and the cookie only from no Origin (curl) or the hub's own; a wrong password there is not even checked.
    const before = failures();
    for (const headers of <Record<string, string>[]>[{ authorization: wes }, { authorization: basic('wes', 'wrong') }, { cookie }, { authorization: wes, origin: 'null' }]) {
      const res = await get('/api/v1/users/me', { origin: evil, ...headers });
      expect([res.status, (await res.json()).error]).toEqual([401, expect.stringMatching(/credentials are not accepted from another site's page/)]);
    }
    expect(failures()).toBe(before);
    expect((await get('/api/v1/users/me', { authorization: wes, origin: hub.api })).status).toBe(200);
    expect((await get('/api/v1/users/me', { authorization: wes })).status).toBe(200);
    for (const headers of <Record<string, string>[]>[{ authorization: `Bearer ${jwt}` }, { 'x-api-key': apiKey }, { authorization: `Bearer ${apiKey}` }, { authorization: `Bearer ${jwt}`, cookie }]) {
      expect((await get('/api/v1/users/me', { origin: evil, ...headers })).status).toBe(200);
    }

    const ws = (path: string, headers: Record<string, string>) => new WebSocket(`${hub.api.replace(/^http/, 'ws')}${path}`, { headers });
    // A WebSocket authenticated at its upgrade (the power stream): 401 before the upgrade.
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = ws('/api/v1/monitoring/stream/power', headers);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('error', reject);
      });
    expect(await upgrade({ authorization: wes, origin: evil })).toBe(401);
    expect(await upgrade({ authorization: wes, origin: hub.api })).toBe(101);
    // skyclust's /ws, signed in by its first message: {"type":"auth"} takes the upgrade's own credential, a token is not ambient.
    const firstEvent = (headers: Record<string, string>, auth: Record<string, string>) =>
      new Promise<{ type: string; closeCode: number }>((resolve, reject) => {
        const socket = ws('/api/v1/ws', headers);
        let type = '';
        socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', ...auth })));
        socket.on('message', (raw) => {
          type ||= (JSON.parse(raw.toString()) as { type: string }).type;
          if (type === 'authenticated') socket.close();
        });
        socket.on('close', (closeCode) => resolve({ type, closeCode }));
        socket.on('error', reject);
      });
    expect(await firstEvent({ authorization: wes, origin: evil }, {})).toEqual({ type: 'error', closeCode: 1008 });
    expect(await firstEvent({ cookie, origin: evil }, {})).toEqual({ type: 'error', closeCode: 1008 });
    expect(await firstEvent({ authorization: wes, origin: hub.api }, {})).toEqual({ type: 'authenticated', closeCode: 1005 });
    expect(await firstEvent({ cookie, origin: evil }, { token: jwt })).toEqual({ type: 'authenticated', closeCode: 1005 });
  });
});
