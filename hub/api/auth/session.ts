import type { FastifyRequest } from 'fastify';
import type { SessionStore } from '../../identity/sessions.js';
import type { UserStore } from '../../identity/users.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';
import { userPrincipal } from './user-principal.js';

/** The session cookie set by the Proxmox manager's POST /api/auth/login (needs @fastify/cookie). */
export class SessionResolver implements CredentialResolver {
  readonly kind = 'session';
  constructor(
    private readonly sessions: SessionStore,
    private readonly users: UserStore,
    private readonly cookieName: string,
  ) {}

  carriesAmbient(request: FastifyRequest): boolean {
    return Boolean(request.cookies?.[this.cookieName]);
  }

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const token = request.cookies?.[this.cookieName];
    if (!token) return null;
    const session = this.sessions.find(token);
    if (!session) return 'invalid';
    return userPrincipal(this.users, session.userId, 'session', session.id, { stamp: session.stamp }) ?? 'invalid';
  }
}
