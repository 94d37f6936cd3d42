import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicResolver } from '../../../../hub/api/auth/basic.js';
import { VerifiedBasicHeaders } from '../../../../hub/api/auth/verified-basic.js';
import { revocationsOf } from '../../../../hub/identity/revocations.js';
import { authPlugin } from '../../../../hub/api/auth/plugin.js';
import { monitorErrorHandler } from '../../../../hub/api/monitor/errors.js';
import { openHubDb, type HubDb } from '../../../../hub/core/db.js';
import { NodeStore } from '../../../../hub/identity/nodes.js';
import { UserStore } from '../../../../hub/identity/users.js';
import { testLogins } from '../../../helpers/logins.js';

const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

describe('auth plugin (Basic, route access)', () => {
  let db: HubDb;
  const app = Fastify();
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-auth-')), 'hub.db'));
    const users = new UserStore(db);
    const nodes = new NodeStore(db);
    await users.add('root', 'admin', 'root-pw');
    await users.add('eve', 'viewer', 'eve-pw');
    await nodes.add('gpu-01', 'default', 'node-pw');
    const logins = testLogins(db, nodes, users);
    await app.register(authPlugin, { resolvers: [new BasicResolver(logins.authenticator, logins.guard, new VerifiedBasicHeaders(revocationsOf(db), 60_000))] });
    app.setErrorHandler(monitorErrorHandler);
    app.get('/open', { config: { access: 'public' } }, async (req) => ({ principal: req.principal }));
    app.get('/read', { config: { access: 'metrics:read' } }, async (req) => ({ user: req.principal?.username, via: req.principal?.via }));
    app.post('/manage', { config: { access: 'system:manage' } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    db.close();
  });

  it('refuses to register a route that declares no access', async () => {
    const other = Fastify();
    await other.register(authPlugin, { resolvers: [] });
    await other.ready();
    expect(() => other.get('/x', async () => 'x')).toThrow(/must declare config.access/);
    await other.close();
  });

  it('lists every route with its access', () => {
    expect(app.routeAccess).toEqual(
      expect.arrayContaining([
        { method: 'GET', url: '/open', access: 'public' },
        { method: 'GET', url: '/read', access: 'metrics:read' },
        { method: 'POST', url: '/manage', access: 'system:manage' },
      ]),
    );
  });

  it('serves public routes without credentials', async () => {
    const res = await app.inject({ url: '/open' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ principal: null });
  });

  it('answers 401 with the documented error body and a Basic challenge', async () => {
    const res = await app.inject({ url: '/read' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
    expect(typeof res.json().timestamp).toBe('string');
  });

  it('refuses a wrong password, a malformed header and a node credential', async () => {
    for (const headers of [basic('root', 'nope'), { authorization: 'Basic !!!' }, basic('gpu-01', 'node-pw')]) {
      const res = await app.inject({ url: '/read', headers });
      expect(res.statusCode).toBe(401);
    }
  });

  it('lets a user in with the role permission and refuses one without', async () => {
    const ok = await app.inject({ url: '/read', headers: basic('eve', 'eve-pw') });
    expect(ok.json()).toEqual({ user: 'eve', via: 'basic' });
    const denied = await app.inject({ method: 'POST', url: '/manage', headers: basic('eve', 'eve-pw') });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    const admin = await app.inject({ method: 'POST', url: '/manage', headers: basic('root', 'root-pw') });
    expect(admin.statusCode).toBe(200);
  });
});
