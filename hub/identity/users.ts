import type { HubDb } from '../core/db.js';
import { assertNameFree, IdentityError } from './names.js';
import { hashPassword } from './passwords.js';

export const ROLES = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

interface UserRow {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled: number;
}

const toUser = (r: UserRow): User => ({ id: r.id, username: r.username, email: r.email, role: r.role, createdAt: r.created_at, disabled: r.disabled === 1 });

/** Validates a `--role` value. */
export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text)) throw new IdentityError(`invalid role "${text}": use ${ROLES.join(', ')}`);
  return text as Role;
}

/** The users table: people and programs that log in (MQTT read-only access now, the HTTP API later). */
export class UserStore {
  constructor(private readonly db: HubDb) {}

  /** Creates a user; the password is hashed here and never stored in clear. */
  async add(username: string, role: Role, password: string, email: string | null = null): Promise<User> {
    assertNameFree(this.db, username);
    const hash = await hashPassword(password);
    // Checked again inside the write: another CLI may have taken the name while argon2 ran.
    return this.db.transaction(() => {
      assertNameFree(this.db, username);
      const info = this.db
        .prepare('INSERT INTO users (username, email, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(username, email, role, hash, Date.now());
      return this.get(Number(info.lastInsertRowid))!;
    }).immediate();
  }

  get(id: number): User | null {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  /** A user with its password hash, for authentication; null when absent or disabled. */
  credential(username: string): { user: User; passwordHash: string } | null {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ? AND disabled = 0').get(username) as UserRow | undefined;
    if (!row || row.password_hash === null) return null;
    return { user: toUser(row), passwordHash: row.password_hash };
  }

  byName(username: string): User | null {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  async setPassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    const info = this.db.prepare('UPDATE users SET password_hash = ? WHERE username = ?').run(hash, username);
    if (info.changes === 0) throw new IdentityError(`no user "${username}"`);
  }

  /** Deletes a user; the last enabled admin stays, or nobody could manage the hub. */
  remove(username: string): void {
    this.db.transaction(() => {
      const user = this.byName(username);
      if (!user) throw new IdentityError(`no user "${username}"`);
      const admins = this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0").get() as { n: number };
      if (user.role === 'admin' && !user.disabled && admins.n === 1) throw new IdentityError(`"${username}" is the last admin; add another admin first`);
      this.db.prepare('DELETE FROM users WHERE id = ?').run(user.id);
    }).immediate();
  }
}
