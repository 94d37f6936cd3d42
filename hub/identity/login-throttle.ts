import type { HubDb } from '../core/db.js';

export interface ThrottleLimits {
  windowMs: number;
  perAccount: number;
  perIp: number;
}

/** A failed login (counts against account and ip) or a successful one (clears the account's count). */
export type LoginEvent = { kind: 'fail'; account: string; ip: string; ts: number } | { kind: 'succeed'; account: string };

/** Failures and successes shared with other hubs (hub/redis/login-failures.ts). */
export interface LoginEventMirror {
  publish(event: LoginEvent): void;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number; by: 'account' | 'ip' };

/**
 * Pure rule: with `limit` or more failures inside the window, logins wait
 * until enough of them age out that one more attempt would be the limit-th.
 * `failures` are timestamps inside the window, oldest first.
 */
export function decide(failures: readonly number[], limit: number, windowMs: number, now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
  if (failures.length < limit) return { allowed: true };
  const unblockAt = failures[failures.length - limit]! + windowMs;
  return { allowed: false, retryAfterMs: Math.max(1, unblockAt - now) };
}

/**
 * Failed logins per account and per client ip, in hub.db so a restart does
 * not reset an attack's count. The account key is the user id when the name
 * exists (email and username of one user share the budget), else the name.
 */
export class LoginThrottle {
  // Prepared once: Basic auth checks the throttle on every request.
  private readonly select;
  /** Newest failure anywhere: with none inside the window (the usual case) a check needs no query. */
  private lastFailure: number;

  constructor(
    private readonly db: HubDb,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
    /** With a Redis: failures on any hub count here too (see `record`). */
    private readonly mirror: LoginEventMirror | null = null,
  ) {
    this.select = db.prepare<[string, number], { ts: number }>('SELECT ts FROM login_failures WHERE key = ? AND ts > ? ORDER BY ts');
    this.lastFailure = (db.prepare('SELECT max(ts) AS ts FROM login_failures').get() as { ts: number | null }).ts ?? -Infinity;
  }

  check(account: string, ip: string): ThrottleDecision {
    const now = this.now();
    if (now - this.lastFailure >= this.limits.windowMs) return { allowed: true };
    const byAccount = decide(this.failures(`account:${account}`, now), this.limits.perAccount, this.limits.windowMs, now);
    if (!byAccount.allowed) return { ...byAccount, by: 'account' };
    const byIp = decide(this.failures(`ip:${ip}`, now), this.limits.perIp, this.limits.windowMs, now);
    if (!byIp.allowed) return { ...byIp, by: 'ip' };
    return { allowed: true };
  }

  /** Counts a failed login against both keys; drops failures older than the window. */
  fail(account: string, ip: string): void {
    const ts = this.now();
    this.record({ kind: 'fail', account, ip, ts });
    this.mirror?.publish({ kind: 'fail', account, ip, ts });
  }

  /** A successful login clears the account's count (the ip's stays: one good password does not excuse a spray). */
  succeed(account: string): void {
    this.record({ kind: 'succeed', account });
    this.mirror?.publish({ kind: 'succeed', account });
  }

  /** Applies a failure or success, this hub's own or one another hub reported; drops failures older than the window. */
  record(event: LoginEvent): void {
    if (event.kind === 'succeed') {
      this.db.prepare('DELETE FROM login_failures WHERE key = ?').run(`account:${event.account}`);
      return;
    }
    this.lastFailure = Math.max(this.lastFailure, event.ts);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM login_failures WHERE ts <= ?').run(this.now() - this.limits.windowMs);
      const insert = this.db.prepare('INSERT INTO login_failures (key, ts) VALUES (?, ?)');
      insert.run(`account:${event.account}`, event.ts);
      insert.run(`ip:${event.ip}`, event.ts);
    })();
  }

  private failures(key: string, now: number): number[] {
    return this.select.all(key, now - this.limits.windowMs).map((r) => r.ts);
  }
}
