import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../../identity/tokens.js';
import type { UserStore } from '../../identity/users.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';
import { userPrincipal } from './user-principal.js';

/** Three base64url parts: what a JWS compact token looks like (API keys never contain a dot). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The token of an `Authorization: Bearer <token>` header; null for no header or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || !value) return null;
  return value.trim();
}

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** `Authorization: Bearer <jwt>` from POST /auth/login (skyclust-api's scheme). Other bearer values are left to the API key resolver. */
export class JwtResolver implements CredentialResolver {
  readonly kind = 'jwt';
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UserStore,
  ) {}

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const token = bearerToken(request.headers.authorization);
    if (token === null || !looksLikeJwt(token)) return null;
    const claims = await this.tokens.verify(token);
    if (!claims) return 'invalid';
    return userPrincipal(this.users, claims.userId, 'jwt', claims.jti, { stamp: claims.stamp }) ?? 'invalid';
  }
}
