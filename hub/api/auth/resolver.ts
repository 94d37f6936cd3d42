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
  resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null>;
}
