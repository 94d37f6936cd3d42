import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../hub/audit/audit-log.js';
import { openHubDb } from '../../../hub/core/db.js';
import { UserStore } from '../../../hub/identity/users.js';

describe('user ids', () => {
  it('never gives a deleted user\'s id (or uuid) to the next user, so audit rows keep naming the right person', async () => {
    const db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-uid-')), 'hub.db'));
    const users = new UserStore(db);
    const audit = new AuditLog(db);
    await users.add('ann', 'user', 'pw-ann-123');
    const ben = await users.add('ben', 'user', 'pw-ben-123');
    audit.record({ userId: ben.id, username: 'ben', action: 'login', resource: 'auth', resourceId: null, success: true, ip: null, userAgent: null });
    users.remove('ben');
    const cid = await users.add('cid', 'user', 'pw-cid-123');
    expect(cid.id).toBeGreaterThan(ben.id);
    expect(cid.uuid).not.toBe(ben.uuid);
    expect(audit.query({ userIds: [cid.id] }, [], { limit: 10, offset: 0 }).total).toBe(0);
    expect(users.byUuid(cid.uuid)?.username).toBe('cid');
    expect(users.byUuid(ben.uuid)).toBeNull();
    db.close();
  });
});
