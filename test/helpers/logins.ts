import type { HubDb } from '../../hub/core/db.js';
import { Authenticator } from '../../hub/identity/authenticator.js';
import { DbWriteHealth } from '../../hub/identity/db-write-health.js';
import { LoginGuard } from '../../hub/identity/login-guard.js';
import { LoginThrottle, type ThrottleLimits } from '../../hub/identity/login-throttle.js';
import type { NodeStore } from '../../hub/identity/nodes.js';
import type { UserStore } from '../../hub/identity/users.js';
import { VerificationQueue, type VerificationLimits } from '../../hub/identity/verification-queue.js';

/** The documented defaults of auth.loginThrottle (hub/api/auth/config.ts). */
export const DEFAULT_THROTTLE: ThrottleLimits = { windowMs: 15 * 60_000, perAccount: 5, perIp: 20, delayAfter: 5, delayMs: 1000, maxDelayMs: 10_000 };
export const DEFAULT_VERIFICATION: VerificationLimits = { concurrency: 2, queue: 64, perSource: 4, perAccount: 8 };

/** The hub's login path on a hub.db, without a running hub (for suites that mount one area on a bare Fastify). */
export function testLogins(db: HubDb, nodes: NodeStore, users: UserStore, opts: { throttle?: Partial<ThrottleLimits>; wait?: (ms: number) => Promise<unknown> } = {}) {
  const health = new DbWriteHealth(db);
  const throttle = new LoginThrottle(db, { ...DEFAULT_THROTTLE, ...opts.throttle }, health);
  const guard = new LoginGuard(throttle, new VerificationQueue(DEFAULT_VERIFICATION), { wait: opts.wait });
  const authenticator = new Authenticator(nodes, users, 60_000, Date.now, { checker: guard });
  return { health, throttle, guard, authenticator };
}
