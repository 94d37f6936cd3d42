import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { UserStore, type User } from '../../../hub/identity/users.js';
import { WorkspaceConflict, WorkspaceStore } from '../../../hub/workspaces/workspace-store.js';

describe('workspace names and identities', () => {
  let db: HubDb;
  let store: WorkspaceStore;
  let ann: User;
  let ben: User;
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-wsn-')), 'hub.db'));
    const users = new UserStore(db);
    ann = await users.add('ann', 'user', 'pw-ann-123');
    ben = await users.add('ben', 'user', 'pw-ben-123');
    store = new WorkspaceStore(db);
  });
  afterAll(() => db.close());

  it('keeps names unique per owner only: another owner\'s name is free, the own one is taken', () => {
    const anns = store.create({ name: 'gpu', description: '', ownerId: ann.id });
    const bens = store.create({ name: 'gpu', description: '', ownerId: ben.id });
    expect(bens.id).not.toBe(anns.id);
    expect(() => store.create({ name: 'gpu', description: '', ownerId: ann.id })).toThrow(WorkspaceConflict);
    const other = store.create({ name: 'cpu', description: '', ownerId: ann.id });
    expect(() => store.update(other.id, { name: 'gpu' })).toThrow(WorkspaceConflict);
    expect(store.update(other.id, { name: 'cpu-2' })?.name).toBe('cpu-2');
  });

  it('names the owner and the members by their user uuid', () => {
    const w = store.create({ name: 'shared', description: '', ownerId: ann.id });
    expect(store.get(w.id)).toMatchObject({ ownerId: ann.id, ownerUuid: ann.uuid });
    const m = store.setMember(w.id, ben.id, 'member');
    expect(m).toMatchObject({ userId: ben.id, userUuid: ben.uuid, username: 'ben', role: 'member' });
    expect(store.members(w.id, { limit: 10, offset: 0 }).members.map((x) => x.userUuid)).toEqual([ann.uuid, ben.uuid]);
  });
});
