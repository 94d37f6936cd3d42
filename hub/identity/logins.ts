import type { Registry } from 'prom-client';
import { parseDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/log.js';
import type { AuthConfig } from '../api/auth/config.js';
import type { HubDb } from '../core/db.js';
import { DbWriteHealth } from './db-write-health.js';
import { LoginGuard } from './login-guard.js';
import { LoginThrottle } from './login-throttle.js';
import { nodeCredentialKey } from './machine-credentials.js';
import { SecretError, type SecretStore } from './secrets.js';
import { VerificationQueue } from './verification-queue.js';

/** The hub's one login path, shared by the HTTP APIs and the embedded broker. */
export interface Logins {
  /** Whether hub.db takes writes, as logins found it (the health endpoints report it). */
  health: DbWriteHealth;
  throttle: LoginThrottle;
  guard: LoginGuard;
  /** Key of the keyed hashes of node passwords; null when the secrets box cannot open it (then such node logins are refused). */
  nodeKey: Buffer | null;
}

export function createLogins(db: HubDb, auth: AuthConfig, secrets: SecretStore, registry: Registry, log: Logger): Logins {
  const t = auth.loginThrottle;
  const health = new DbWriteHealth(db);
  const throttle = new LoginThrottle(
    db,
    { windowMs: parseDuration(t.window), perAccount: t.perAccount, perIp: t.perIp, delayAfter: t.delayAfter, delayMs: parseDuration(t.delay), maxDelayMs: parseDuration(t.maxDelay) },
    health,
  );
  const guard = new LoginGuard(throttle, new VerificationQueue(t.verification), registry);
  return { health, throttle, guard, nodeKey: openNodeKey(secrets, log) };
}

/**
 * The node-credential key, or null when secret.key (or KCLOUD_SECRET_KEY)
 * is not the one it was stored with: the hub still starts (users log in,
 * nodes with argon2 hashes too), node logins with keyed hashes are refused
 * until the right key is back, and the log says why.
 */
function openNodeKey(secrets: SecretStore, log: Logger): Buffer | null {
  try {
    return nodeCredentialKey(secrets);
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    log.error({ err: err.message }, 'cannot open the node-credential key: node logins with keyed hashes are refused until the secret key it was stored with is back');
    return null;
  }
}
