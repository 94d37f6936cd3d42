import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { API_KEY_PREFIX, ApiKeyStore } from '../../../hub/identity/api-keys.js';
import { UserStore } from '../../../hub/identity/users.js';

describe('ApiKeyStore', () => {
  let db: HubDb;
  let now = Date.UTC(2025, 0, 1);
  let store: ApiKeyStore;
  let alice: number;
  let bob: number;
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-keys-')), 'hub.db'));
    const users = new UserStore(db);
    alice = (await users.add('alice', 'user', 'alice-password')).id;
    bob = (await users.add('bob', 'user', 'bob-password')).id;
    store = new ApiKeyStore(db, () => now);
  });
  afterAll(() => db.close());

  it('returns the key once and stores only its digest', () => {
    const { key, apiKey } = store.create(alice, 'ci', ['metrics:read'], null);
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key.length).toBeGreaterThan(40);
    expect(apiKey).toMatchObject({ userId: alice, name: 'ci', scopes: ['metrics:read'], prefix: key.slice(0, API_KEY_PREFIX.length + 6), revokedAt: null });
    const row = db.prepare('SELECT * FROM api_keys WHERE id = ?').get(apiKey.id) as Record<string, unknown>;
    expect(Object.values(row)).not.toContain(key);
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('base64url'));
    expect(store.find(key)?.id).toBe(apiKey.id);
    expect(store.find(key + 'x')).toBeNull();
  });

  it('lists a user\'s own keys and revokes only their own', () => {
    const mine = store.create(bob, 'bob-key', null, null);
    expect(store.list(bob).map((k) => k.id)).toEqual([mine.apiKey.id]);
    expect(store.revoke(alice, mine.apiKey.id)).toBe(false);
    expect(store.find(mine.key)).not.toBeNull();
    expect(store.revoke(bob, mine.apiKey.id)).toBe(true);
    expect(store.find(mine.key)).toBeNull();
    expect(store.list(bob)[0]!.revokedAt).toBe(now);
  });

  it('stops accepting a key at its expiry and records when it was last used', () => {
    const { key, apiKey } = store.create(alice, 'short', null, now + 60_000);
    now += 30_000;
    expect(store.find(key)?.lastUsedAt).toBe(now);
    now += 30_000;
    expect(store.find(key)).toBeNull();
    expect(store.get(apiKey.id)!.expiresAt).toBe(now);
  });

  it('refuses an expiry that is not a time rather than storing a key that never expires', () => {
    const before = store.list(alice).length;
    for (const expiry of [Number.NaN, Number.POSITIVE_INFINITY]) expect(() => store.create(alice, 'bad-expiry', null, expiry)).toThrow(RangeError);
    expect(store.list(alice)).toHaveLength(before);
  });

  it('goes away with its user', async () => {
    const users = new UserStore(db);
    const carol = await users.add('carol', 'viewer', 'carol-password');
    const { key } = store.create(carol.id, 'k', null, null);
    users.remove('carol');
    expect(store.find(key)).toBeNull();
    expect(store.list(carol.id)).toEqual([]);
  });
});
