import { randomUUID } from 'node:crypto';
import type { HubDb } from '../../core/db.js';
import type { SecretStore } from '../../identity/secrets.js';
import type { CloudProvider } from './provider-error.js';

export interface CloudCredential {
  id: string;
  name: string;
  provider: CloudProvider;
  /** Null once the owner's account was deleted. */
  ownerId: number | null;
  ownerUuid: string | null;
  /** The workspace it is shared with; null: its owner's alone. */
  workspaceId: string | null;
  isActive: boolean;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  provider: CloudProvider;
  owner_id: number | null;
  owner_uuid: string | null;
  workspace_id: string | null;
  is_active: number;
  created_at: number;
  updated_at: number;
}

const toCredential = (r: Row): CloudCredential => ({
  id: r.id,
  name: r.name,
  provider: r.provider,
  ownerId: r.owner_id,
  ownerUuid: r.owner_uuid,
  workspaceId: r.workspace_id,
  isActive: r.is_active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Who asks: admins reach every credential, others their own and those shared with a workspace they belong to. */
export interface Viewer {
  userId: number;
  admin: boolean;
}

const SELECT = 'SELECT c.*, (SELECT uuid FROM users WHERE id = c.owner_id) AS owner_uuid FROM cloud_credentials c';
const VISIBLE = `(c.owner_id = @userId OR @admin = 1 OR c.workspace_id IN (SELECT workspace_id FROM workspace_members WHERE user_id = @userId))`;

/** The secret's name; the name is also the cipher's additional data, so a ciphertext moved to another credential does not decrypt. */
const secretName = (id: string) => `cloud-credential/${id}`;

/**
 * Cloud credentials: the record in `cloud_credentials`, the data (keys,
 * service-account JSON, client secret) encrypted in `secrets`. Nothing
 * here returns the data except `data()`, which the provider clients use.
 */
export class CloudCredentialStore {
  constructor(
    private readonly db: HubDb,
    private readonly secrets: SecretStore,
    private readonly now: () => number = Date.now,
  ) {}

  create(input: { name: string; provider: CloudProvider; ownerId: number; workspaceId: string | null; data: unknown }): CloudCredential {
    const id = randomUUID();
    const now = this.now();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO cloud_credentials (id, name, provider, owner_id, workspace_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)')
        .run(id, input.name, input.provider, input.ownerId, input.workspaceId, now, now);
      this.secrets.put(secretName(id), JSON.stringify(input.data));
    })();
    return this.get(id)!;
  }

  get(id: string): CloudCredential | null {
    const row = this.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
    return row ? toCredential(row) : null;
  }

  /** The credential if `who` may use it (owner, member of its workspace, admin); else null, as if it did not exist. */
  visible(id: string, who: Viewer): CloudCredential | null {
    const row = this.db.prepare(`${SELECT} WHERE c.id = @id AND ${VISIBLE}`).get({ id, userId: who.userId, admin: who.admin ? 1 : 0 }) as Row | undefined;
    return row ? toCredential(row) : null;
  }

  list(who: Viewer, filter: { providers: readonly CloudProvider[] | null; limit: number; offset: number }): { credentials: CloudCredential[]; total: number } {
    const params = { userId: who.userId, admin: who.admin ? 1 : 0, providers: JSON.stringify(filter.providers ?? []), all: filter.providers ? 0 : 1 };
    const where = `WHERE ${VISIBLE} AND (@all = 1 OR c.provider IN (SELECT value FROM json_each(@providers)))`;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM cloud_credentials c ${where}`).get(params) as { n: number }).n;
    const rows = this.db.prepare(`${SELECT} ${where} ORDER BY c.created_at DESC, c.id LIMIT @limit OFFSET @offset`).all({ ...params, limit: filter.limit, offset: filter.offset }) as Row[];
    return { credentials: rows.map(toCredential), total };
  }

  update(id: string, change: { name?: string; data?: unknown; workspaceId?: string | null; isActive?: boolean }): CloudCredential | null {
    this.db.transaction(() => {
      const now = this.now();
      const sets: string[] = ['updated_at = @now'];
      if (change.name !== undefined) sets.push('name = @name');
      if (change.workspaceId !== undefined) sets.push('workspace_id = @workspaceId');
      if (change.isActive !== undefined) sets.push('is_active = @isActive');
      const done = this.db
        .prepare(`UPDATE cloud_credentials SET ${sets.join(', ')} WHERE id = @id`)
        .run({ id, now, name: change.name ?? null, workspaceId: change.workspaceId ?? null, isActive: change.isActive ? 1 : 0 });
      if (done.changes > 0 && change.data !== undefined) this.secrets.put(secretName(id), JSON.stringify(change.data));
    })();
    return this.get(id);
  }

  /** Removes the record and its secret; false when a VM still uses it (the caller answers 409) or it is gone. */
  remove(id: string): 'removed' | 'in_use' | 'missing' {
    return this.db.transaction(() => {
      const used = this.db.prepare('SELECT 1 FROM cloud_vms WHERE credential_id = ? LIMIT 1').get(id);
      if (used) return 'in_use' as const;
      if (this.db.prepare('DELETE FROM cloud_credentials WHERE id = ?').run(id).changes === 0) return 'missing' as const;
      this.secrets.delete(secretName(id));
      return 'removed' as const;
    })();
  }

  /** The decrypted data, for the provider clients only. */
  data<T>(id: string): T {
    const text = this.secrets.get(secretName(id));
    if (text === null) throw new Error(`cloud credential ${id} has no stored data`);
    return JSON.parse(text) as T;
  }
}
