import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialServices } from './services.js';

/**
 * The session cookie's attributes: HttpOnly (no script reads it), SameSite
 * (no cross-site request carries it: the CSRF defence), Secure over TLS, or
 * always when configured (TLS terminated by a proxy the hub does not trust).
 */
function attributes(request: FastifyRequest, c: CredentialServices) {
  const { session } = c.config;
  const secure = session.secure === 'always' || c.tls || request.protocol === 'https';
  return { httpOnly: true, sameSite: session.sameSite, secure, path: '/' } as const;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, c: CredentialServices, token: string, expiresAt: number): void {
  void reply.setCookie(c.config.session.cookieName, token, { ...attributes(request, c), expires: new Date(expiresAt) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, c: CredentialServices): void {
  void reply.clearCookie(c.config.session.cookieName, attributes(request, c));
}
