import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../identity/authenticator.js';
import type { LoginThrottle } from '../../identity/login-throttle.js';
import type { UserStore } from '../../identity/users.js';
import { BasicResolver, parseBasic } from './basic.js';
import { throttleKey, throttled } from './password-login.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';

/**
 * HTTP Basic under the login throttle: every request carries the password,
 * so without it Basic would be an unlimited password-guessing endpoint. A
 * blocked account or ip gets 429 before argon2 runs.
 */
export class ThrottledBasicResolver implements CredentialResolver {
  readonly kind = 'basic';
  private readonly inner: BasicResolver;

  constructor(
    auth: Authenticator,
    private readonly users: UserStore,
    private readonly throttle: LoginThrottle,
  ) {
    this.inner = new BasicResolver(auth);
  }

  async resolve(request: FastifyRequest): Promise<ApiPrincipal | 'invalid' | null> {
    const creds = parseBasic(request.headers.authorization);
    if (creds === null) return null;
    const id = creds === 'invalid' ? null : this.users.idByName(creds.username);
    const account = creds === 'invalid' ? null : throttleKey(id === null ? null : { id }, creds.username);
    if (account !== null) throttled(this.throttle.check(account, request.ip));
    const result = await this.inner.resolve(request);
    if (result === 'invalid' && account !== null) this.throttle.fail(account, request.ip);
    return result;
  }
}
