import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { Authenticator } from '../../../hub/identity/authenticator.js';
import { IdentityError } from '../../../hub/identity/names.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';

describe('identity stores and authenticator', () => {
  let db: HubDb;
  let nodes: NodeStore;
  let users: UserStore;

  beforeEach(() => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-identity-')), 'hub.db'));
    nodes = new NodeStore(db);
    users = new UserStore(db);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    db.close();
  });

  it('stores argon2id hashes, never the password', async () => {
    await nodes.add('gpu-01', 'lab', 'node-secret-1');
    await users.add('grafana', 'viewer', 'viewer-secret-1');
    const hashes = db.prepare('SELECT password_hash AS h FROM nodes UNION ALL SELECT password_hash FROM users').all() as { h: string }[];
    expect(hashes).toHaveLength(2);
    for (const { h } of hashes) {
      expect(h).toMatch(/^\$argon2id\$v=19\$/);
      expect(h).not.toContain('secret');
    }
  });

  it('authenticates nodes and users to the right principal and refuses the rest', async () => {
    const n = await nodes.add('gpu-01', 'lab', 'node-secret-1');
    const u = await users.add('grafana', 'viewer', 'viewer-secret-1');
    const auth = new Authenticator(nodes, users, 60_000);
    expect(await auth.authenticate('gpu-01', 'node-secret-1')).toEqual({ kind: 'node', id: n.id, name: 'gpu-01', cluster: 'lab' });
    expect(await auth.authenticate('grafana', 'viewer-secret-1')).toEqual({ kind: 'user', id: u.id, username: 'grafana', role: 'viewer' });
    expect(await auth.authenticate('gpu-01', 'viewer-secret-1')).toBeNull();
    expect(await auth.authenticate('grafana', 'wrong')).toBeNull();
    expect(await auth.authenticate('nobody', 'node-secret-1')).toBeNull();
  });

  it('verifies a credential once while cached, and again after the TTL', async () => {
    await nodes.add('gpu-01', 'lab', 'node-secret-1');
    let now = 1_000_000;
    const auth = new Authenticator(nodes, users, 30_000, () => now);
    const verify = vi.spyOn(argon2, 'verify');
    for (let i = 0; i < 5; i++) expect(await auth.authenticate('gpu-01', 'node-secret-1')).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    // A wrong password is never served from the cache.
    expect(await auth.authenticate('gpu-01', 'node-secret-2')).toBeNull();
    expect(verify).toHaveBeenCalledTimes(2);
    now += 30_001;
    expect(await auth.authenticate('gpu-01', 'node-secret-1')).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('shares one verification between concurrent attempts (reconnect storm)', async () => {
    await nodes.add('gpu-01', 'lab', 'node-secret-1');
    const auth = new Authenticator(nodes, users, 30_000);
    const verify = vi.spyOn(argon2, 'verify');
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate('gpu-01', 'node-secret-1')));
    expect(results.every((r) => r?.kind === 'node')).toBe(true);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('a password change or removal takes effect at once despite the cache', async () => {
    await users.add('grafana', 'viewer', 'viewer-secret-1');
    await nodes.add('gpu-01', 'lab', 'node-secret-1');
    const auth = new Authenticator(nodes, users, 3_600_000);
    expect(await auth.authenticate('grafana', 'viewer-secret-1')).not.toBeNull();
    await users.setPassword('grafana', 'viewer-secret-2');
    expect(await auth.authenticate('grafana', 'viewer-secret-1')).toBeNull();
    expect(await auth.authenticate('grafana', 'viewer-secret-2')).not.toBeNull();
    expect(await auth.authenticate('gpu-01', 'node-secret-1')).not.toBeNull();
    nodes.remove('gpu-01');
    expect(await auth.authenticate('gpu-01', 'node-secret-1')).toBeNull();
  });

  it('looks a name up once per attempt: a user in one read, a node or unknown name after the users, each with its throttle account', async () => {
    const n = await nodes.add('gpu-01', 'lab', 'node-secret-1');
    const u = await users.add('grafana', 'viewer', 'viewer-secret-1');
    const auth = new Authenticator(nodes, users, 60_000);
    const nodeReads = vi.spyOn(nodes, 'credential');
    const userReads = vi.spyOn(users, 'credential');

    const user = auth.lookup('grafana');
    expect(user).toMatchObject({ key: `user:${u.id}`, node: null, user: { user: { id: u.id } } });
    expect([nodeReads.mock.calls.length, userReads.mock.calls.length]).toEqual([0, 1]);
    expect(await auth.verify(user, 'viewer-secret-1')).toEqual({ kind: 'user', id: u.id, username: 'grafana', role: 'viewer' });
    expect(await auth.verify(user, 'wrong')).toBeNull();
    // verify checks what lookup read: no second read of the row.
    expect([nodeReads.mock.calls.length, userReads.mock.calls.length]).toEqual([0, 1]);

    const node = auth.lookup('gpu-01');
    expect(node).toMatchObject({ key: `node:${n.id}`, user: null, node: { node: { id: n.id } } });
    expect(await auth.verify(node, 'node-secret-1')).toMatchObject({ kind: 'node', id: n.id });
    expect(auth.lookup('nobody')).toMatchObject({ key: 'name:nobody', node: null, user: null });
    expect(await auth.verify(auth.lookup('nobody'), 'x')).toBeNull();
  });

  it('nodes and users share one namespace (both are MQTT usernames)', async () => {
    await users.add('alice', 'user', 'alice-secret-1');
    await expect(nodes.add('alice', 'lab', 'x-secret-123')).rejects.toThrow(IdentityError);
    await nodes.add('gpu-01', 'lab', 'node-secret-1');
    await expect(users.add('gpu-01', 'viewer', 'x-secret-123')).rejects.toThrow(/already used/);
    await expect(nodes.add('gpu-01', 'prod', 'x-secret-123')).rejects.toThrow(/already used/);
  });

  it('refuses names that cannot be topic levels and unknown roles', async () => {
    await expect(nodes.add('gpu/01', 'lab', 'x-secret-123')).rejects.toThrow(/invalid name/);
    await expect(nodes.add('gpu-+', 'lab', 'x-secret-123')).rejects.toThrow(/invalid name/);
    await expect(nodes.add('gpu-01', 'lab/x', 'x-secret-123')).rejects.toThrow(/invalid cluster/);
    await expect(users.add('bob', 'root' as never, 'x-secret-123')).rejects.toThrow();
  });

  it('keeps the last admin', async () => {
    await users.add('admin', 'admin', 'admin-secret-1');
    expect(() => users.remove('admin')).toThrow(/last admin/);
    await users.add('ops', 'admin', 'ops-secret-1');
    users.remove('admin');
    expect(users.list().map((u) => u.username)).toEqual(['ops']);
    expect(() => users.remove('admin')).toThrow(/no user/);
  });

  it('removing a node removes its dedupe and inventory rows', async () => {
    const n = await nodes.add('gpu-01', 'lab', 'node-secret-1');
    db.prepare('INSERT INTO ingested_ranges (node_id, lo, hi, received_at) VALUES (?, 1, 5, 1)').run(n.id);
    db.prepare("INSERT INTO inventory (node_id, ts, hash, body) VALUES (?, 1, 'h', '{}')").run(n.id);
    nodes.remove('gpu-01');
    expect(db.prepare('SELECT count(*) AS n FROM ingested_ranges').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM inventory').get()).toEqual({ n: 0 });
  });
});
