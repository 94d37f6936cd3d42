import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../hub/audit/audit-log.js';
import { openHubDb } from '../../../hub/core/db.js';
import { CORE_SCHEMA } from '../../../hub/core/migrations/001-core.js';
import { AUTH_SCHEMA } from '../../../hub/core/migrations/002-auth.js';
import { COLLABORATION_SCHEMA } from '../../../hub/core/migrations/003-collaboration.js';
import { SEQ_RANGES_SCHEMA } from '../../../hub/core/migrations/004-seq-ranges.js';
import { UserStore } from '../../../hub/identity/users.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A hub.db as a hub before step 5 left it: users 1 and 2 (3 deleted, still in the audit log), a workspace, a key, a session, a notification. */
function oldHubDb(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-ids-')), 'hub.db');
  const old = new Database(file);
  old.pragma('foreign_keys = ON');
  for (const schema of [CORE_SCHEMA, AUTH_SCHEMA, COLLABORATION_SCHEMA, SEQ_RANGES_SCHEMA]) old.exec(schema);
  old.pragma('user_version = 4');
  const user = old.prepare("INSERT INTO users (id, username, role, password_hash, created_at) VALUES (?, ?, 'user', 'h', 1)");
  user.run(1, 'ann');
  user.run(2, 'ben');
  user.run(3, 'gone');
  const audit = old.prepare("INSERT INTO audit_log (ts, user_id, username, action, resource, success) VALUES (?, ?, ?, 'login', 'auth', 1)");
  audit.run(10, 1, 'ann');
  audit.run(11, 3, 'gone');
  old.prepare('DELETE FROM users WHERE id = 3').run();
  old.prepare("INSERT INTO workspaces (id, name, owner_id, created_at, updated_at) VALUES ('w1', 'ml', 1, 1, 1)").run();
  old.prepare("INSERT INTO workspace_members (workspace_id, user_id, role, added_at) VALUES ('w1', 1, 'owner', 1), ('w1', 2, 'member', 1)").run();
  old.prepare("INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) VALUES ('k1', 2, 'ci', 'kc_', 'digest', 1)").run();
  old.prepare("INSERT INTO sessions (id, token_hash, user_id, password_stamp, created_at, expires_at) VALUES ('s1', 't', 2, 'p', 1, 2)").run();
  old.prepare("INSERT INTO notifications (id, user_id, type, priority, category, title, message, created_at) VALUES ('n1', 1, 'info', 'low', 'system', 't', 'm', 1)").run();
  old.close();
  return file;
}

describe('hub.db step 5: stable ids', () => {
  it('keeps every existing row and reference, and gives users and audit records UUIDs', () => {
    const db = openHubDb(oldHubDb());
    const users = db.prepare('SELECT id, uuid, username FROM users ORDER BY id').all() as { id: number; uuid: string; username: string }[];
    expect(users.map((u) => [u.id, u.username])).toEqual([
      [1, 'ann'],
      [2, 'ben'],
    ]);
    for (const u of users) expect(u.uuid).toMatch(UUID_V4);
    expect(users[0]!.uuid).not.toBe(users[1]!.uuid);
    const audit = db.prepare('SELECT uuid, user_id, user_uuid, username FROM audit_log ORDER BY id').all() as { uuid: string; user_id: number; user_uuid: string | null; username: string }[];
    expect(audit.map((a) => [a.user_id, a.user_uuid, a.username])).toEqual([
      [1, users[0]!.uuid, 'ann'],
      [3, null, 'gone'],
    ]);
    for (const a of audit) expect(a.uuid).toMatch(UUID_V4);
    expect(db.prepare('SELECT user_id, role FROM workspace_members ORDER BY user_id').all()).toEqual([
      { user_id: 1, role: 'owner' },
      { user_id: 2, role: 'member' },
    ]);
    expect(db.prepare('SELECT id, name, owner_id FROM workspaces').all()).toEqual([{ id: 'w1', name: 'ml', owner_id: 1 }]);
    expect(db.prepare('SELECT count(*) AS n FROM api_keys').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM notifications').get()).toEqual({ n: 1 });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The foreign keys still act on the rebuilt users table.
    db.prepare("DELETE FROM users WHERE username = 'ben'").run();
    expect(db.prepare('SELECT count(*) AS n FROM api_keys').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT user_id FROM workspace_members').all()).toEqual([{ user_id: 1 }]);
    db.close();
  });

  it('keeps the audit log append-only after the rebuild', () => {
    const db = openHubDb(oldHubDb());
    expect(() => db.prepare('UPDATE audit_log SET username = NULL').run()).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/cannot be deleted/);
    db.close();
  });

  it('never gives out an id a deleted user had, even one deleted before the update', async () => {
    const db = openHubDb(oldHubDb());
    const users = new UserStore(db);
    // 3 belonged to "gone" (deleted before step 5; the audit log still names it).
    const cid = await users.add('cid', 'user', 'pw-cid-123');
    expect(cid.id).toBe(4);
    users.remove('cid');
    const dan = await users.add('dan', 'user', 'pw-dan-123');
    expect(dan.id).toBe(5);
    expect(dan.uuid).toMatch(UUID_V4);
    expect(dan.uuid).not.toBe(cid.uuid);
    db.close();
  });

  it('records the acting user\'s uuid with each new audit record, kept after the user is deleted', async () => {
    const db = openHubDb(oldHubDb());
    const users = new UserStore(db);
    const eve = await users.add('eve', 'user', 'pw-eve-123');
    const rec = new AuditLog(db).record({ userId: eve.id, username: 'eve', action: 'create', resource: 'workspace', resourceId: null, success: true, ip: null, userAgent: null });
    expect(rec.uuid).toMatch(UUID_V4);
    expect(rec.userUuid).toBe(eve.uuid);
    users.remove('eve');
    const after = new AuditLog(db).query({ userUuids: [eve.uuid] }, [], { limit: 10, offset: 0 });
    expect(after.records.map((r) => [r.uuid, r.userId, r.userUuid])).toEqual([[rec.uuid, eve.id, eve.uuid]]);
    db.close();
  });
});
