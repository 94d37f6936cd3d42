import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHook } from '../../../hub/api/audit-hook.js';
import { BasicResolver } from '../../../hub/api/auth/basic.js';
import { VerifiedBasicHeaders } from '../../../hub/api/auth/verified-basic.js';
import { revocationsOf } from '../../../hub/identity/revocations.js';
import { authPlugin } from '../../../hub/api/auth/plugin.js';
import { parseSort } from '../../../hub/api/list-query.js';
import { skyclustErrorHandler } from '../../../hub/api/skyclust/errors.js';
import { AUDIT_SORT, AuditLog, type AuditRecord } from '../../../hub/audit/audit-log.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';
import { testLogins } from '../../helpers/logins.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('audit hook (Fastify plugin)', () => {
  let db: HubDb;
  let audit: AuditLog;
  let rootId: number;
  const emitted: AuditRecord[] = [];
  const app = Fastify();
  const all = () => audit.query({}, parseSort('created_at:asc', AUDIT_SORT, ''), { limit: 100, offset: 0 }).records;

  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-audit-hook-')), 'hub.db'));
    const users = new UserStore(db);
    rootId = (await users.add('root', 'admin', 'root-pw')).id;
    audit = new AuditLog(db);
    audit.on('record', (r) => emitted.push(r));
    const logins = testLogins(db, new NodeStore(db), users);
    await app.register(authPlugin, { resolvers: [new BasicResolver(logins.authenticator, logins.guard, new VerifiedBasicHeaders(revocationsOf(db), 60_000))] });
    await app.register(auditHook, { audit });
    app.setErrorHandler(skyclustErrorHandler);
    await app.register(
      async (area) => {
        area.post('/things', { config: { access: 'system:manage' } }, async (request, reply) => {
          request.auditNote = { resourceId: 'thing-9' };
          return reply.status(201).send({ id: 'thing-9' });
        });
        area.get('/things/:id', { config: { access: 'system:read' } }, async () => ({ ok: true }));
        area.delete('/things/:id', { config: { access: 'system:manage' } }, async () => ({ ok: true }));
        area.post('/auth/login', { config: { access: 'public', audit: { action: 'login' } } }, async (request) => {
          request.auditNote = { userId: rootId, username: 'root' };
          return { ok: true };
        });
        area.post('/self-audited', { config: { access: 'public', audit: false } }, async () => ({ ok: true }));
      },
      { prefix: '/api/v1' },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    db.close();
  });

  it('records mutating requests after the response, not reads, and emits each record', async () => {
    const headers = { authorization: basic('root', 'root-pw'), 'user-agent': 'hook-test/2' };
    expect((await app.inject({ method: 'POST', url: '/api/v1/things', headers })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/v1/things/7', headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/things/7', headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/things/8' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/v1/self-audited' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/v1/nowhere' })).statusCode).toBe(404);
    const records = all();
    expect(records.map((r) => [r.action, r.resource, r.resourceId, r.userId, r.success])).toEqual([
      ['create', 'thing', 'thing-9', rootId, true],
      ['delete', 'thing', '7', rootId, true],
      ['delete', 'thing', '8', null, false],
      ['login', 'auth', null, rootId, true],
    ]);
    expect(records[0]).toMatchObject({ username: 'root', ip: '127.0.0.1', userAgent: 'hook-test/2', details: { method: 'POST', route: '/api/v1/things', status: 201 } });
    expect(emitted.map((r) => r.id)).toEqual(records.map((r) => r.id));
  });
});
