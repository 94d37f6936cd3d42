import type { Registry } from 'prom-client';
import { parseDuration } from '../../shared/duration.js';
import type { AuthConfig } from '../api/auth/config.js';
import type { HubDb } from '../core/db.js';
import { DbWriteHealth } from './db-write-health.js';
import { LoginGuard } from './login-guard.js';
import { LoginThrottle } from './login-throttle.js';
import { nodeCredentialKey } from './machine-credentials.js';
import type { SecretStore } from './secrets.js';
import { VerificationQueue } from './verification-queue.js';

/** The hub's one login path, shared by the HTTP APIs and the embedded broker. */
export interface Logins {
  /** Whether hub.db takes writes, as logins found it (the health endpoints report it). */
  health: DbWriteHealth;
  throttle: LoginThrottle;
  guard: LoginGuard;
  /** Key of the keyed hashes of node passwords. */
  nodeKey: Buffer;
}

export function createLogins(db: HubDb, auth: AuthConfig, secrets: SecretStore, registry: Registry): Logins {
  const t = auth.loginThrottle;
  const health = new DbWriteHealth(db);
  const throttle = new LoginThrottle(
    db,
    { windowMs: parseDuration(t.window), perAccount: t.perAccount, perIp: t.perIp, delayAfter: t.delayAfter, delayMs: parseDuration(t.delay), maxDelayMs: parseDuration(t.maxDelay) },
    health,
  );
  const guard = new LoginGuard(throttle, new VerificationQueue(t.verification), { registry });
  return { health, throttle, guard, nodeKey: nodeCredentialKey(secrets) };
}
