import { Type } from '@sinclair/typebox';
import { NAME_PATTERN } from '../../../shared/topics.js';
import type { User } from '../../identity/users.js';
import { invalidParameter } from '../errors.js';
import { ROLES } from '../../identity/users.js';

/** A user as skyclust-api shows it: `"id": "uuid"`, the user's stable uuid (the integer id stays inside the hub). */
export function userView(u: User) {
  return { id: u.uuid, username: u.username, email: u.email, role: u.role, is_active: !u.disabled, created_at: new Date(u.createdAt).toISOString() };
}

// Field limits: anything longer is refused with 400 before a query or argon2 runs.
export const Username = Type.String({ pattern: NAME_PATTERN.source, maxLength: 63 });
export const Email = Type.String({ format: 'email', maxLength: 254 });
/** The configured minimum (auth.password.minLength) is checked in the route; 1024 keeps argon2's input bounded. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

/** Checks a new password against auth.password.minLength (400 naming the field). */
export function checkPasswordLength(field: string, password: string, minLength: number): void {
  if (password.length < minLength) throw invalidParameter(field, `must be at least ${minLength} characters`);
}
