import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { HubDb } from '../core/db.js';
import { revocationsOf } from './revocations.js';

export interface Session {
  id: string;
  userId: number;
  /** The user's password stamp at login: a password change ends the session. */
  stamp: string;
  createdAt: number;
  expiresAt: number;
}

interface Row {
  id: string;
  user_id: number;
  password_stamp: string;
  created_at: number;
  expires_at: number;
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Browser sessions (the Proxmox manager's login): the cookie holds a random
 * token, hub.db only its digest, so a copy of the database opens no session.
 */
export class SessionStore {
  constructor(
    private readonly db: HubDb,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a session; returns the cookie value (shown once) and the session. Expired sessions are pruned here. */
  create(userId: number, stamp: string, client: { ip: string | null; userAgent: string | null }): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { id: randomUUID(), userId, stamp, createdAt: now, expiresAt: now + this.ttlMs };
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
      this.db
        .prepare('INSERT INTO sessions (id, token_hash, user_id, password_stamp, created_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(session.id, digest(token), userId, stamp, now, session.expiresAt, client.ip, client.userAgent?.slice(0, 512) ?? null);
    })();
    return { token, session };
  }

  /** The live session behind a cookie value; null when unknown or expired. */
  find(token: string): Session | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?').get(digest(token), this.now()) as Row | undefined;
    return row ? { id: row.id, userId: row.user_id, stamp: row.password_stamp, createdAt: row.created_at, expiresAt: row.expires_at } : null;
  }

  /** Ends the session with this cookie value (logout). */
  end(token: string): void {
    this.announceEnded(this.db.prepare('DELETE FROM sessions WHERE token_hash = ? RETURNING id').all(digest(token)) as { id: string }[]);
  }

  /** Ends every session of a user (password change, disabled account). */
  endAll(userId: number): number {
    const ended = this.db.prepare('DELETE FROM sessions WHERE user_id = ? RETURNING id').all(userId) as { id: string }[];
    this.announceEnded(ended);
    return ended.length;
  }

  /** Streams opened with these sessions close (hub/identity/revocations.ts). */
  private announceEnded(rows: { id: string }[]): void {
    for (const { id } of rows) revocationsOf(this.db).announce({ kind: 'credential', id });
  }
}
