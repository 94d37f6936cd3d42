import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../identity/authenticator.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';

/** Splits an `Authorization: Basic` header; null when the header is absent or of another scheme. */
export function parseBasic(header: string | undefined): { username: string; password: string } | 'invalid' | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'invalid';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic with hub users (kcloud-monitor-api's scheme). Node credentials
 * are MQTT-only: an agent's password opens no HTTP route.
 */
export class BasicResolver implements CredentialResolver {
  readonly kind = 'basic';
  constructor(private readonly auth: Authenticator) {}

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const creds = parseBasic(request.headers.authorization);
    if (creds === null || creds === 'invalid') return creds;
    const who = await this.auth.authenticate(creds.username, creds.password);
    if (who?.kind !== 'user') return 'invalid';
    return { userId: who.id, username: who.username, role: who.role, via: 'basic', scopes: null, credentialId: null };
  }
}
