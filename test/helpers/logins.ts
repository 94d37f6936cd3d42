import type { HubDb } from '../../hub/core/db.js';
import { Authenticator } from '../../hub/identity/authenticator.js';
import { DbWriteHealth } from '../../hub/identity/db-write-health.js';
import { LoginGuard } from '../../hub/identity/login-guard.js';
import { LoginThrottle } from '../../hub/identity/login-throttle.js';
import type { NodeStore } from '../../hub/identity/nodes.js';
import type { UserStore } from '../../hub/identity/users.js';
import { VerificationQueue } from '../../hub/identity/verification-queue.js';

/**
 * The hub's login path on a hub.db with the documented defaults of
 * auth.loginThrottle, without a running hub (for suites that mount one
 * area on a bare Fastify).
 */
export function testLogins(db: HubDb, nodes: NodeStore, users: UserStore) {
  const throttle = new LoginThrottle(db, { windowMs: 15 * 60_000, perAccount: 5, perIp: 20, delayAfter: 5, delayMs: 1000, maxDelayMs: 10_000 }, new DbWriteHealth(db));
  const guard = new LoginGuard(throttle, new VerificationQueue({ concurrency: 2, queue: 64, perSource: 4, perAccount: 8 }));
  return { guard, authenticator: new Authenticator(nodes, users, 60_000, Date.now, { checker: guard }) };
}
