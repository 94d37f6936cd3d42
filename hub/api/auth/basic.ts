import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../identity/authenticator.js';
import { LoginRefused, type LoginGuard } from '../../identity/login-guard.js';
import { refusalError } from './password-login.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';
import type { VerifiedBasicHeaders } from './verified-basic.js';

/** The scheme is the header's text up to its first space, in any case. */
const BASIC_SCHEME = /^basic(?: |$)/i;

/** Whether an `Authorization` header is of the Basic scheme (what parseBasic reads; no decoding). */
const isBasic = (header: string | undefined): header is string => header !== undefined && BASIC_SCHEME.test(header);

/** Splits an `Authorization: Basic` header; null when the header is absent or of another scheme. */
export function parseBasic(header: string | undefined): { username: string; password: string } | 'invalid' | null {
  if (!isBasic(header)) return null;
  const value = header.split(' ', 2)[1];
  const decoded = Buffer.from(value ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'invalid';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic with hub users (kcloud-monitor-api's scheme), under the login
 * guard like every password login: every request carries the password, so
 * without the throttle Basic would be an unlimited guessing endpoint. Node
 * credentials are MQTT-only: an agent's password opens no HTTP route (and
 * counts as a failure here). Unknown names cost a dummy argon2 check, so
 * the answer's timing does not tell which names exist. Accepted headers are
 * remembered (VerifiedBasicHeaders) until anything is revoked.
 */
export class BasicResolver implements CredentialResolver {
  readonly kind = 'basic';
  constructor(
    private readonly auth: Authenticator,
    private readonly guard: LoginGuard,
    private readonly verified: VerifiedBasicHeaders,
  ) {}

  /** Browsers replay Basic credentials they once used for this hub, whichever page sends the request. */
  carriesAmbient(request: FastifyRequest): boolean {
    return isBasic(request.headers.authorization);
  }

  /**
   * What is remembered of this header; null while the throttle is not idle. Remembered credentials skip the login
   * path only while it is idle: then that path would admit them at once and clear nothing, so the answer is the
   * same; with failures about, every request goes through it.
   */
  private remembered(header: string): ReturnType<VerifiedBasicHeaders['get']> | null {
    return this.guard.throttle.idle() ? this.verified.get(header) : null;
  }

  known(request: FastifyRequest): ApiPrincipal | null {
    const header = request.headers.authorization;
    return isBasic(header) ? (this.remembered(header)?.principal ?? null) : null;
  }

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const header = request.headers.authorization;
    if (!isBasic(header)) return null;
    const known = this.remembered(header);
    if (known?.principal) return known.principal;
    const creds = parseBasic(header);
    if (creds === null || creds === 'invalid') return creds;
    try {
      const found = this.auth.lookup(creds.username);
      const who = await this.guard.attempt(found.key, request.ip, async () => {
        const p = await this.auth.verify(found, creds.password, request.ip);
        return p?.kind === 'user' ? p : null;
      });
      const principal: ApiPrincipal = { userId: who.id, username: who.username, role: who.role, via: 'basic', scopes: null, credentialId: null };
      if (known) this.verified.remember(header, principal, known.since);
      return principal;
    } catch (err) {
      if (!(err instanceof LoginRefused)) throw err;
      if (err.refusal.kind === 'credentials') return 'invalid';
      throw refusalError(err.refusal);
    }
  }
}
