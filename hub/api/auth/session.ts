import type { FastifyRequest } from 'fastify';
import type { SessionStore } from '../../identity/sessions.js';
import type { UserStore } from '../../identity/users.js';
import type { ApiPrincipal } from './principal.js';
import { fromOwnOrigin } from './same-origin.js';
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

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const token = request.cookies?.[this.cookieName];
    if (!token) return null;
    // Another site's page (a WebSocket handshake has no CORS preflight; SameSite=lax is a setting away).
    if (!fromOwnOrigin(request)) return 'invalid';
    const session = this.sessions.find(token);
    if (!session) return 'invalid';
    return userPrincipal(this.users, session.userId, 'session', session.id, { stamp: session.stamp }) ?? 'invalid';
  }
}
