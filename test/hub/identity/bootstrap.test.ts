import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHubDb } from '../../../hub/core/db.js';
import { Authenticator } from '../../../hub/identity/authenticator.js';
import { ensureAdmin } from '../../../hub/identity/bootstrap.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';

const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-bootstrap-'));
  return { dir, db: openHubDb(join(dir, 'hub.db')) };
};

describe('ensureAdmin', () => {
  it('generates a password, writes it 0600, and does it only once', async () => {
    const { dir, db } = fresh();
    const first = await ensureAdmin(db, dir, {});
    expect(first?.generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const file = join(dir, 'admin-password');
    expect(first?.passwordFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${first!.generated}\n`);
    const auth = new Authenticator(new NodeStore(db), new UserStore(db), 0);
    expect(await auth.authenticate('admin', first!.generated!)).toMatchObject({ kind: 'user', username: 'admin', role: 'admin' });

    expect(await ensureAdmin(db, dir, {})).toBeNull();
    expect(readFileSync(file, 'utf8')).toBe(`${first!.generated}\n`);
    expect(new UserStore(db).list()).toHaveLength(1);
    db.close();
  });

  it('takes KCLOUD_ADMIN_PASSWORD and then writes no file', async () => {
    const { dir, db } = fresh();
    const r = await ensureAdmin(db, dir, { KCLOUD_ADMIN_PASSWORD: 'from-the-environment' });
    expect(r).toEqual({ passwordFile: null, generated: null });
    expect(() => statSync(join(dir, 'admin-password'))).toThrow(/ENOENT/);
    const auth = new Authenticator(new NodeStore(db), new UserStore(db), 0);
    expect(await auth.authenticate('admin', 'from-the-environment')).not.toBeNull();
    db.close();
  });

  it('gives the admin KCLOUD_ADMIN_EMAIL as its email, for the email login', async () => {
    const { dir, db } = fresh();
    await ensureAdmin(db, dir, { KCLOUD_ADMIN_PASSWORD: 'from-the-environment', KCLOUD_ADMIN_EMAIL: 'ops@example.org' });
    expect(new UserStore(db).byEmail('OPS@example.org')).toMatchObject({ username: 'admin', role: 'admin', email: 'ops@example.org' });
    db.close();
  });

  it('does not recreate an admin the operator removed', async () => {
    const { dir, db } = fresh();
    await ensureAdmin(db, dir, {});
    const users = new UserStore(db);
    await users.add('ops', 'admin', 'ops-secret-1');
    users.remove('admin');
    expect(await ensureAdmin(db, dir, {})).toBeNull();
    expect(users.list().map((u) => u.username)).toEqual(['ops']);
    db.close();
  });
});
