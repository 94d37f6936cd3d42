import type { UserStore } from '../../identity/users.js';
import type { ApiPrincipal, CredentialKind } from './principal.js';

/**
 * The principal for a token, key or session that names a user: null when
 * the user was removed or disabled, or (with `stamp`) changed password since
 * the credential was issued. Role comes from the store, so a role change
 * applies to credentials already issued.
 */
export function userPrincipal(
  users: UserStore,
  userId: number,
  via: CredentialKind,
  credentialId: string,
  opts: { stamp?: string; scopes?: readonly string[] | null } = {},
): ApiPrincipal | null {
  const active = users.active(userId);
  if (!active) return null;
  if (opts.stamp !== undefined && opts.stamp !== active.stamp) return null;
  const { user } = active;
  return { userId: user.id, username: user.username, role: user.role, via, scopes: opts.scopes ? new Set(opts.scopes) : null, credentialId };
}
