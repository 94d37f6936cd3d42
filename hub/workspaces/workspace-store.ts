import { randomUUID } from 'node:crypto';
import type { HubDb } from '../core/db.js';
import { orderBy, Where, type Page, type SortKey } from '../api/list-query.js';

export type MemberRole = 'owner' | 'member';

export interface Workspace {
  id: string;
  name: string;
  description: string;
  /** The creator; null once that user was deleted. */
  ownerId: number | null;
  ownerUuid: string | null;
  isActive: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface WorkspaceMember {
  userId: number;
  userUuid: string;
  username: string;
  role: MemberRole;
  addedAt: number;
}

interface Row {
  id: string;
  name: string;
  description: string;
  owner_id: number | null;
  owner_uuid: string | null;
  is_active: number;
  created_at: number;
  updated_at: number;
}

const toWorkspace = (r: Row): Workspace => ({
  id: r.id,
  name: r.name,
  description: r.description,
  ownerId: r.owner_id,
  ownerUuid: r.owner_uuid,
  isActive: r.is_active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Sortable fields of GET /workspaces (API name -> column). */
export const WORKSPACE_SORT = { name: 'w.name', created_at: 'w.created_at', updated_at: 'w.updated_at' } as const;

interface MemberRow {
  user_id: number;
  user_uuid: string;
  username: string;
  role: MemberRole;
  added_at: number;
}

const MEMBER_SELECT = 'SELECT m.user_id, u.uuid AS user_uuid, u.username, m.role, m.added_at FROM workspace_members m JOIN users u ON u.id = m.user_id';
const toMember = (r: MemberRow): WorkspaceMember => ({ userId: r.user_id, userUuid: r.user_uuid, username: r.username, role: r.role, addedAt: r.added_at });
/** A workspace with its owner's uuid (null once the owner was deleted). */
const WORKSPACE_SELECT = 'SELECT w.*, u.uuid AS owner_uuid FROM workspaces w LEFT JOIN users u ON u.id = w.owner_id';

/** Thrown when the owner already has a workspace of that name, or the last owner would be removed (the API answers 409). */
export class WorkspaceConflict extends Error {}

/** Workspaces and their members in hub.db. */
export class WorkspaceStore {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a workspace with its creator as owner member, in one transaction. */
  create(input: { name: string; description: string; ownerId: number }): Workspace {
    const id = randomUUID();
    const ts = this.now();
    this.db.transaction(() => {
      this.assertNameFree(input.name, input.ownerId, null);
      this.db.prepare('INSERT INTO workspaces (id, name, description, owner_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)').run(id, input.name, input.description, input.ownerId, ts, ts);
      this.db.prepare("INSERT INTO workspace_members (workspace_id, user_id, role, added_at) VALUES (?, ?, 'owner', ?)").run(id, input.ownerId, ts);
    }).immediate();
    return this.get(id)!;
  }

  get(id: string): Workspace | null {
    const row = this.db.prepare(`${WORKSPACE_SELECT} WHERE w.id = ?`).get(id) as Row | undefined;
    return row ? toWorkspace(row) : null;
  }

  /** A page of workspaces, all of them or those `memberId` belongs to, with the total. */
  list(opts: { memberId: number | null; sort: readonly SortKey[]; page: Page }): { workspaces: Workspace[]; total: number } {
    const where = new Where();
    if (opts.memberId !== null) where.add('w.id IN (SELECT workspace_id FROM workspace_members WHERE user_id = ?)', opts.memberId);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM workspaces w ${where.sql}`).get(...where.args) as { n: number }).n;
    const rows = this.db.prepare(`${WORKSPACE_SELECT} ${where.sql} ${orderBy(opts.sort, 'w.id')} LIMIT ? OFFSET ?`).all(...where.args, opts.page.limit, opts.page.offset) as Row[];
    return { workspaces: rows.map(toWorkspace), total };
  }

  /** Changes the given fields; null when the workspace does not exist. */
  update(id: string, patch: { name?: string; description?: string; isActive?: boolean }): Workspace | null {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) return null;
      if (patch.name !== undefined) this.assertNameFree(patch.name, current.ownerId, id);
      this.db
        .prepare('UPDATE workspaces SET name = ?, description = ?, is_active = ?, updated_at = ? WHERE id = ?')
        .run(patch.name ?? current.name, patch.description ?? current.description, (patch.isActive ?? current.isActive) ? 1 : 0, this.now(), id);
      return this.get(id);
    }).immediate();
  }

  /** Deletes a workspace and its memberships; false when it did not exist. */
  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM workspaces WHERE id = ?').run(id).changes > 0;
  }

  /** The member's role in the workspace, or null when not a member. */
  roleOf(id: string, userId: number): MemberRole | null {
    const row = this.db.prepare('SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?').get(id, userId) as { role: MemberRole } | undefined;
    return row?.role ?? null;
  }

  members(id: string, page: Page): { members: WorkspaceMember[]; total: number } {
    const total = (this.db.prepare('SELECT count(*) AS n FROM workspace_members WHERE workspace_id = ?').get(id) as { n: number }).n;
    const rows = this.db.prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? ORDER BY u.username LIMIT ? OFFSET ?`).all(id, page.limit, page.offset) as MemberRow[];
    return { members: rows.map(toMember), total };
  }

  /** Adds a member or changes an existing member's role; keeps at least one owner. */
  setMember(id: string, userId: number, role: MemberRole): WorkspaceMember {
    return this.db.transaction(() => {
      if (role === 'member' && this.roleOf(id, userId) === 'owner') this.assertNotLastOwner(id);
      this.db
        .prepare('INSERT INTO workspace_members (workspace_id, user_id, role, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role')
        .run(id, userId, role, this.now());
      this.touch(id);
      return toMember(this.db.prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? AND m.user_id = ?`).get(id, userId) as MemberRow);
    }).immediate();
  }

  /** Removes a member; false when the user was not one. The last owner cannot be removed. */
  removeMember(id: string, userId: number): boolean {
    return this.db.transaction(() => {
      const role = this.roleOf(id, userId);
      if (role === null) return false;
      if (role === 'owner') this.assertNotLastOwner(id);
      this.db.prepare('DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?').run(id, userId);
      this.touch(id);
      return true;
    }).immediate();
  }

  private touch(id: string): void {
    this.db.prepare('UPDATE workspaces SET updated_at = ? WHERE id = ?').run(this.now(), id);
  }

  /** Names are unique per owner: whether someone else uses a name is none of the caller's business. */
  private assertNameFree(name: string, ownerId: number | null, exceptId: string | null): void {
    const row = this.db.prepare('SELECT id FROM workspaces WHERE owner_id IS ? AND name = ?').get(ownerId, name) as { id: string } | undefined;
    if (row && row.id !== exceptId) throw new WorkspaceConflict(`the owner already has a workspace named "${name}"`);
  }

  private assertNotLastOwner(id: string): void {
    const n = (this.db.prepare("SELECT count(*) AS n FROM workspace_members WHERE workspace_id = ? AND role = 'owner'").get(id) as { n: number }).n;
    if (n <= 1) throw new WorkspaceConflict('a workspace keeps at least one owner; make another member owner first');
  }
}
