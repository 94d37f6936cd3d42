import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSort } from '../../../hub/api/list-query.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { UserStore } from '../../../hub/identity/users.js';
import { WORKSPACE_SORT, WorkspaceConflict, WorkspaceStore } from '../../../hub/workspaces/workspace-store.js';

const byName = parseSort('name:asc', WORKSPACE_SORT, 'name');
const page = { limit: 10, offset: 0 };

describe('workspace store', () => {
  let db: HubDb;
  let users: UserStore;
  let store: WorkspaceStore;
  let ann: number;
  let ben: number;
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-ws-')), 'hub.db'));
    users = new UserStore(db);
    ann = (await users.add('ann', 'user', 'pw-ann-123')).id;
    ben = (await users.add('ben', 'user', 'pw-ben-123')).id;
    store = new WorkspaceStore(db);
  });
  afterAll(() => db.close());

  it('creates a workspace with a UUID and its creator as owner member', () => {
    const w = store.create({ name: 'ml-team', description: 'training', ownerId: ann });
    expect(w.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(w).toMatchObject({ name: 'ml-team', description: 'training', ownerId: ann, isActive: true });
    expect(store.roleOf(w.id, ann)).toBe('owner');
    expect(store.roleOf(w.id, ben)).toBeNull();
    expect(() => store.create({ name: 'ml-team', description: '', ownerId: ann })).toThrow(WorkspaceConflict);
  });

  it('lists only the member\'s workspaces unless asked for all, sorted and paged', () => {
    store.create({ name: 'b-infra', description: '', ownerId: ben });
    store.create({ name: 'a-ops', description: '', ownerId: ben });
    expect(store.list({ memberId: ben, sort: byName, page }).workspaces.map((w) => w.name)).toEqual(['a-ops', 'b-infra']);
    expect(store.list({ memberId: ann, sort: byName, page }).workspaces.map((w) => w.name)).toEqual(['ml-team']);
    const all = store.list({ memberId: null, sort: parseSort('name:desc', WORKSPACE_SORT, ''), page: { limit: 2, offset: 1 } });
    expect(all.total).toBe(3);
    expect(all.workspaces.map((w) => w.name)).toEqual(['b-infra', 'a-ops']);
  });

  it('keeps at least one owner and cascades memberships on delete', () => {
    const w = store.list({ memberId: ann, sort: byName, page }).workspaces[0]!;
    store.setMember(w.id, ben, 'member');
    expect(store.members(w.id, page).members.map((m) => [m.username, m.role])).toEqual([
      ['ann', 'owner'],
      ['ben', 'member'],
    ]);
    expect(() => store.removeMember(w.id, ann)).toThrow(WorkspaceConflict);
    expect(() => store.setMember(w.id, ann, 'member')).toThrow(WorkspaceConflict);
    store.setMember(w.id, ben, 'owner');
    expect(store.removeMember(w.id, ann)).toBe(true);
    expect(store.removeMember(w.id, ann)).toBe(false);
    expect(store.remove(w.id)).toBe(true);
    expect((db.prepare('SELECT count(*) AS n FROM workspace_members WHERE workspace_id = ?').get(w.id) as { n: number }).n).toBe(0);
  });

  it('keeps a workspace whose owner user is deleted, with owner_id null', async () => {
    const cid = (await users.add('cid', 'user', 'pw-cid-123')).id;
    const w = store.create({ name: 'orphan', description: '', ownerId: cid });
    users.remove('cid');
    expect(store.get(w.id)).toMatchObject({ name: 'orphan', ownerId: null });
  });
});
