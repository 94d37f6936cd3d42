import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { HubDb } from '../core/db.js';
import { revocationsOf } from './revocations.js';

/** Keys start with this, so a leaked one is recognisable (secret scanners) and never looks like a JWT. */
export const API_KEY_PREFIX = 'kck_';

export interface ApiKey {
  id: string;
  userId: number;
  name: string;
  /** The key's first characters, to tell keys apart in a list. */
  prefix: string;
  /** Permissions the key is narrowed to; null = all of its owner's role. */
  scopes: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: string;
  user_id: number;
  name: string;
  prefix: string;
  scopes: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toKey = (r: Row): ApiKey => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as string[]),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** SHA-256 suffices: the key has 256 random bits, so there is nothing to brute-force (unlike a password). */
const digest = (key: string) => createHash('sha256').update(key).digest('base64url');

/** `last_used_at` is written at most this often per key, so busy keys do not cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Per-user API keys: the key itself is returned once by `create` and stored only as a digest. */
export class ApiKeyStore {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** `expiresAt` must be a time (ms) or null for a key that never expires: NaN would be stored as NULL, a key without expiry. */
  create(userId: number, name: string, scopes: string[] | null, expiresAt: number | null): { key: string; apiKey: ApiKey } {
    if (expiresAt !== null && !Number.isFinite(expiresAt)) throw new RangeError(`API key expiry ${expiresAt} is not a time`);
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, userId, name, key.slice(0, API_KEY_PREFIX.length + 6), digest(key), scopes === null ? null : JSON.stringify(scopes), this.now(), expiresAt);
    return { key, apiKey: this.get(id)! };
  }

  get(id: string): ApiKey | null {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return row ? toKey(row) : null;
  }

  /** A user's keys, revoked ones included (they show when and that they were revoked). */
  list(userId: number): ApiKey[] {
    return (this.db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id').all(userId) as Row[]).map(toKey);
  }

  /** Revokes one of the user's keys; false when the user has no such key. */
  revoke(userId: number, id: string): boolean {
    const info = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL').run(this.now(), id, userId);
    if (info.changes > 0) revocationsOf(this.db).announce({ kind: 'credential', id });
    return info.changes > 0 || this.get(id)?.userId === userId;
  }

  /** The live key with this value (not revoked, not expired); null otherwise. */
  find(key: string): ApiKey | null {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(digest(key)) as Row | undefined;
    if (!row) return null;
    const now = this.now();
    if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, row.id);
      row.last_used_at = now;
    }
    return toKey(row);
  }
}
