import type { FastifyRequest } from 'fastify';
import type { ApiPrincipal } from './principal.js';

/**
 * One way of proving identity (Basic, JWT, API key, session cookie).
 * `null`: the request carries no credential of this kind, try the next;
 * `'invalid'`: it carries one and it is wrong (expired, revoked, bad
 * password), so the request is refused rather than treated as anonymous.
 */
export interface CredentialResolver {
  readonly kind: string;
  /**
   * Whether the request carries a credential of this kind that browsers send
   * on their own (a cookie, cached Basic): such a credential proves nothing
   * about which page sent the request, so the authenticator refuses it from
   * another site's page. Absent for credentials a script must add (tokens, API keys).
   */
  carriesAmbient?(request: FastifyRequest): boolean;
  resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null>;
  /**
   * The principal `resolve` would answer, when the resolver knows it without
   * waiting (credentials it verified lately, unchanged since); null when it
   * would have to look. Lets the auth hook answer most requests without a
   * promise; only the first resolver's is asked (it would decide anyway).
   */
  known?(request: FastifyRequest): ApiPrincipal | null;
}
