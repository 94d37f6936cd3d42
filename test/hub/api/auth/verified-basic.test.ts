import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BasicResolver } from '../../../../hub/api/auth/basic.js';
import { authPlugin } from '../../../../hub/api/auth/plugin.js';
import { VerifiedBasicHeaders } from '../../../../hub/api/auth/verified-basic.js';
import { monitorErrorHandler } from '../../../../hub/api/monitor/errors.js';
import { openHubDb, type HubDb } from '../../../../hub/core/db.js';
import { NodeStore } from '../../../../hub/identity/nodes.js';
import { revocationsOf } from '../../../../hub/identity/revocations.js';
import { UserStore } from '../../../../hub/identity/users.js';
import { testLogins } from '../../../helpers/logins.js';

const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

describe('remembered Basic credentials', () => {
  let dir: string;
  let db: HubDb;
  let users: UserStore;
  let app: FastifyInstance;
  let logins: ReturnType<typeof testLogins>;
  let clock: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kcloud-verified-basic-'));
    db = openHubDb(join(dir, 'hub.db'));
    users = new UserStore(db);
    const nodes = new NodeStore(db);
    await users.add('root', 'admin', 'root-pw');
    await users.add('eve', 'viewer', 'eve-pw');
    logins = testLogins(db, nodes, users);
    clock = Date.now();
    const verified = new VerifiedBasicHeaders(revocationsOf(db), 60_000, () => clock);
    app = Fastify();
    await app.register(authPlugin, { resolvers: [new BasicResolver(logins.authenticator, logins.guard, verified)] });
    app.setErrorHandler(monitorErrorHandler);
    app.get('/read', { config: { access: 'metrics:read' } }, async (req) => ({ user: req.principal?.username, role: req.principal?.role }));
    app.post('/manage', { config: { access: 'system:manage' } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    db.close();
  });

  const read = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/read', headers });

  it('reads the account once for repeated requests with the same header', async () => {
    const lookup = vi.spyOn(logins.authenticator, 'lookup');
    for (let i = 0; i < 5; i++) {
      const res = await read(basic('root', 'root-pw'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ user: 'root', role: 'admin' });
    }
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it("refuses a remembered header sent from another site's page, as any Basic request from there", async () => {
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    const crossSite = await read({ ...basic('root', 'root-pw'), origin: 'https://evil.example' });
    expect(crossSite.statusCode).toBe(401);
    expect(crossSite.json().error.message).toMatch(/another site's page/);
    expect((await read({ ...basic('root', 'root-pw'), host: 'hub.example', origin: 'http://hub.example' })).statusCode).toBe(200);
  });

  it('never answers another password or another user from a remembered header', async () => {
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    expect((await read(basic('root', 'root-pwX'))).statusCode).toBe(401);
    expect((await read(basic('eve', 'root-pw'))).statusCode).toBe(401);
    const eve = await read(basic('eve', 'eve-pw'));
    expect(eve.json()).toEqual({ user: 'eve', role: 'viewer' });
  });

  it('refuses the old password on the next request after a password change', async () => {
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    await users.setPassword('root', 'new-pw');
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(401);
    expect((await read(basic('root', 'new-pw'))).statusCode).toBe(200);
  });

  it('answers with the new role on the next request after a role change', async () => {
    expect((await app.inject({ method: 'POST', url: '/manage', headers: basic('eve', 'eve-pw') })).statusCode).toBe(403);
    users.update(users.byName('eve')!.id, { role: 'admin' });
    expect((await app.inject({ method: 'POST', url: '/manage', headers: basic('eve', 'eve-pw') })).statusCode).toBe(200);
  });

  it('sees a user disabled by another connection (the CLI) on the next request', async () => {
    expect((await read(basic('eve', 'eve-pw'))).statusCode).toBe(200);
    const cli = openHubDb(join(dir, 'hub.db'));
    try {
      new UserStore(cli).update(new UserStore(cli).byName('eve')!.id, { disabled: true });
    } finally {
      cli.close();
    }
    expect((await read(basic('eve', 'eve-pw'))).statusCode).toBe(401);
  });

  it('forgets a header after the verification TTL', async () => {
    const lookup = vi.spyOn(logins.authenticator, 'lookup');
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    clock += 60_001;
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('goes through the login path while the throttle holds failures, so an account lock still refuses', async () => {
    expect((await read(basic('root', 'root-pw'))).statusCode).toBe(200);
    const lookup = vi.spyOn(logins.authenticator, 'lookup');
    // perAccount is 5 failures in the window: the sixth attempt is refused whatever the password.
    for (let i = 0; i < 5; i++) expect((await read(basic('root', `guess-${i}`))).statusCode).toBe(401);
    const locked = await read(basic('root', 'root-pw'));
    expect(locked.statusCode).toBe(429);
    expect(lookup).toHaveBeenCalledTimes(6);
  });
});

describe('VerifiedBasicHeaders', () => {
  it('does not remember a check that a revocation overtook', () => {
    const db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-verified-basic-')), 'hub.db'));
    try {
      const verified = new VerifiedBasicHeaders(revocationsOf(db), 60_000);
      const principal = { userId: 1, username: 'root', role: 'admin' as const, via: 'basic' as const, scopes: null, credentialId: null };
      const first = verified.get('Basic abc');
      expect(first.principal).toBeNull();
      revocationsOf(db).announce({ kind: 'user', userId: 1 });
      verified.remember('Basic abc', principal, first.since);
      expect(verified.get('Basic abc').principal).toBeNull();
      const second = verified.get('Basic abc');
      verified.remember('Basic abc', principal, second.since);
      expect(verified.get('Basic abc').principal).toEqual(principal);
    } finally {
      db.close();
    }
  });

  it('holds at most 1 024 headers, dropping the oldest', () => {
    const db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-verified-basic-')), 'hub.db'));
    try {
      const verified = new VerifiedBasicHeaders(revocationsOf(db), 60_000);
      const principal = { userId: 1, username: 'root', role: 'admin' as const, via: 'basic' as const, scopes: null, credentialId: null };
      for (let i = 0; i < 1030; i++) verified.remember(`Basic ${i}`, { ...principal }, verified.get(`Basic ${i}`).since);
      expect(verified.size).toBe(1024);
      expect(verified.get('Basic 0').principal).toBeNull();
      expect(verified.get('Basic 1029').principal).not.toBeNull();
    } finally {
      db.close();
    }
  });
});
