import { join } from 'node:path';
import { parseDuration } from '../../../shared/duration.js';
import { ApiKeyStore } from '../../identity/api-keys.js';
import type { LoginGuard } from '../../identity/login-guard.js';
import type { LoginThrottle } from '../../identity/login-throttle.js';
import { keyring, SecretStore } from '../../identity/secrets.js';
import { SessionStore } from '../../identity/sessions.js';
import { loadOrCreateSigningKeys, TokenService } from '../../identity/tokens.js';
import { revocationsOf } from '../../identity/revocations.js';
import { VerifiedBasicHeaders } from './verified-basic.js';
import { SharedRevocations } from '../../redis/revocations.js';
import { createSharedState, type SharedState } from '../../redis/shared-state.js';
import type { ApiDeps } from '../deps.js';
import { ApiKeyResolver } from './api-key.js';
import { BasicResolver } from './basic.js';
import type { AuthConfig } from './config.js';
import { JwtResolver } from './jwt.js';
import type { CredentialResolver } from './resolver.js';
import { SessionResolver } from './session.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Tokens, API keys, sessions, login throttle and secrets, for the routes that issue or revoke credentials. */
    credentials: CredentialServices;
  }
}

export interface CredentialServices {
  config: AuthConfig;
  /** HTTPS on the hub's own listeners (session cookies get `Secure`). */
  tls: boolean;
  tokens: TokenService;
  apiKeys: ApiKeyStore;
  sessions: SessionStore;
  /** The hub's login throttle (shared with the broker). */
  throttle: LoginThrottle;
  /** Password logins: the throttle, the check queue and the refusal padding (hub/identity/login-guard.ts). */
  logins: LoginGuard;
  secrets: SecretStore;
  /** The Redis shared with other hubs (rate limits, revocations, login failures); null without `redis.url`. */
  shared: SharedState | null;
  /** In the order the auth plugin tries them: Basic, JWT Bearer, API key (X-API-Key or a non-JWT Bearer), session cookie. */
  resolvers: CredentialResolver[];
}

/**
 * Builds the credential services on hub.db; the JWT and secret keys live in
 * dataDir (created 0600 on first start). With `redis.url`, revocations and
 * login failures are shared with the other hubs (not connected yet: the
 * shared-state plugin connects before the hub listens).
 */
export function createCredentialServices(deps: Pick<ApiDeps, 'config' | 'db' | 'users' | 'authenticator' | 'logins' | 'log'>, env: NodeJS.ProcessEnv = process.env): CredentialServices {
  const { auth, dataDir, http, redis } = deps.config;
  const shared = redis.url ? createSharedState(redis.url, deps.log, revocationsOf(deps.db)) : null;
  const tokens: TokenService = new TokenService(deps.db, loadOrCreateSigningKeys(join(dataDir, 'jwt-ed25519.pem')), {
    ttlMs: parseDuration(auth.accessTokenTtl),
    clockToleranceMs: parseDuration(auth.clockTolerance),
    // Republishes this hub's list on every connection, so logouts made during an outage reach the others.
    shared: shared && new SharedRevocations(shared.redis, shared.barrier, deps.log, () => tokens.unexpired()),
  });
  const apiKeys = new ApiKeyStore(deps.db);
  const sessions = new SessionStore(deps.db, parseDuration(auth.session.ttl));
  const { throttle, guard } = deps.logins;
  if (shared) {
    throttle.shareWith(shared.loginFailures);
    shared.loginFailures.onRemote((event) => throttle.record(event));
  }
  return {
    config: auth,
    tls: Boolean(http.tls.cert && http.tls.key),
    tokens,
    apiKeys,
    sessions,
    throttle,
    logins: guard,
    secrets: new SecretStore(deps.db, keyring(dataDir, env)),
    shared,
    resolvers: [
      new BasicResolver(deps.authenticator, guard, new VerifiedBasicHeaders(revocationsOf(deps.db), parseDuration(deps.config.broker.authCacheTtl))),
      new JwtResolver(tokens, deps.users),
      new ApiKeyResolver(apiKeys, deps.users),
      new SessionResolver(sessions, deps.users, auth.session.cookieName),
    ],
  };
}
