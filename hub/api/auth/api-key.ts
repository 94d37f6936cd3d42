import type { FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../identity/api-keys.js';
import type { UserStore } from '../../identity/users.js';
import { bearerToken, looksLikeJwt } from './jwt.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';
import { userPrincipal } from './user-principal.js';

/** The key of `X-API-Key: <key>` (skyclust-api) or `Authorization: Bearer <key>` (the Proxmox manager's planned scheme). */
export function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const bearer = bearerToken(request.headers.authorization);
  return bearer !== null && !looksLikeJwt(bearer) ? bearer : null;
}

/** API keys: the owner's role, narrowed to the key's scopes when it has some. */
export class ApiKeyResolver implements CredentialResolver {
  readonly kind = 'api_key';
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly users: UserStore,
  ) {}

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const key = presentedKey(request);
    if (key === null) return null;
    const found = this.keys.find(key);
    if (!found) return 'invalid';
    return userPrincipal(this.users, found.userId, 'api_key', found.id, { scopes: found.scopes }) ?? 'invalid';
  }
}
