import type { Role } from '../../identity/users.js';

/** How a request proved who it is. */
export type CredentialKind = 'basic' | 'jwt' | 'api_key' | 'session';

/** The user behind an HTTP request, whatever credential it carried. */
export interface ApiPrincipal {
  userId: number;
  username: string;
  role: Role;
  via: CredentialKind;
  /** API keys may be narrowed to some permissions; null = the role's permissions. */
  scopes: ReadonlySet<string> | null;
  /** Token or key id, for revocation and audit (JWT `jti`, API key id, session id). */
  credentialId: string | null;
}
