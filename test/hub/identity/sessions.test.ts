import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { SessionStore } from '../../../hub/identity/sessions.js';
import { UserStore } from '../../../hub/identity/users.js';

describe('SessionStore', () => {
  let db: HubDb;
  let now = Date.UTC(2025, 0, 1);
  const TTL = 3_600_000;
  let store: SessionStore;
  let uid: number;
  const client = { ip: '192.0.2.1', userAgent: 'test' };
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-sessions-')), 'hub.db'));
    uid = (await new UserStore(db).add('alice', 'user', 'alice-password')).id;
    store = new SessionStore(db, TTL, () => now);
  });
  afterAll(() => db.close());

  it('finds a session by its cookie value, which hub.db holds only as a digest', () => {
    const { token, session } = store.create(uid, 'stamp', client);
    expect(session).toMatchObject({ userId: uid, stamp: 'stamp', createdAt: now, expiresAt: now + TTL });
    expect(store.find(token)).toEqual(session);
    const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(session.id) as Record<string, unknown>;
    expect(Object.values(row)).not.toContain(token);
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
  });

  it('expires, ends on logout and ends all of a user\'s sessions at once', () => {
    const a = store.create(uid, 's', client);
    const b = store.create(uid, 's', client);
    store.end(a.token);
    expect(store.find(a.token)).toBeNull();
    expect(store.find(b.token)).not.toBeNull();
    now += TTL;
    expect(store.find(b.token)).toBeNull();
    const c = store.create(uid, 's', client);
    const d = store.create(uid, 's', client);
    expect(store.endAll(uid)).toBe(2);
    expect(store.find(c.token)).toBeNull();
    expect(store.find(d.token)).toBeNull();
  });

  it('prunes expired sessions when a new one opens', () => {
    store.create(uid, 's', client);
    now += TTL + 1;
    store.create(uid, 's', client);
    const n = (db.prepare('SELECT count(*) AS n FROM sessions WHERE expires_at <= ?').get(now) as { n: number }).n;
    expect(n).toBe(0);
  });
});
