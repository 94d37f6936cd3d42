import type { HubDb } from '../core/db.js';
import type { DbWriteHealth, DbWriteState } from './db-write-health.js';
import { sourceAddress } from './source-address.js';

/**
 * The login policy (docs/security.md "Login throttling"), after OWASP's
 * authentication guidance: hard limits only where they cannot lock out a
 * real user from elsewhere, a growing delay for the account as a whole.
 */
export interface ThrottleLimits {
  windowMs: number;
  /** Failures of one account from one source address before that pair is refused (429) until the window passes. */
  perAccount: number;
  /** Failures from one source address, whatever the accounts, before it is refused. */
  perIp: number;
  /** Failures of one account from all sources before its logins are slowed down (never refused). */
  delayAfter: number;
  /** The first such delay; it doubles with each further failure, up to maxDelayMs. */
  delayMs: number;
  maxDelayMs: number;
}

/** A failed login (counts against account, pair and ip) or a successful one (clears the account's and the pair's counts). */
export type LoginEvent = { kind: 'fail'; account: string; ip: string; ts: number } | { kind: 'succeed'; account: string; ip?: string };

/** Failures and successes shared with other hubs (hub/redis/login-failures.ts). */
export interface LoginEventMirror {
  publish(event: LoginEvent): void;
}

export type ThrottleDecision = { allowed: true; delayMs: number } | { allowed: false; retryAfterMs: number; by: 'account' | 'ip' };

/** One admitted login attempt; exactly one of its methods is called when the password check is done. */
export interface LoginAttempt {
  /** Counts the failure (throws LoginStoreUnavailable when it cannot be recorded). */
  fail(): void;
  /** Clears the account's and the pair's counts (throws LoginStoreUnavailable when it cannot be recorded). */
  succeed(): void;
  /** The password was never checked (the verification queue was full): counts nothing. */
  abandon(): void;
}

export type Admission = Extract<ThrottleDecision, { allowed: false }> | { allowed: true; delayMs: number; attempt: LoginAttempt };

/** The store cannot record a login: the login is refused (fail closed), never let through uncounted. */
export class LoginStoreUnavailable extends Error {
  override name = 'LoginStoreUnavailable';
  constructor(readonly state: Extract<DbWriteState, { writable: false }>) {
    super(`login store unavailable: ${state.reason}`);
  }
}

/** The throttle's account for a name: the user's or node's id when it exists (email and username of one user share the count), else the name. */
export function accountKey(known: { kind: 'user' | 'node'; id: number } | null, name: string): string {
  return known ? `${known.kind}:${known.id}` : `name:${name.toLowerCase()}`;
}

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

/** Pure rule: the account-wide delay after `failures` failures from all sources (0 below `delayAfter`, then doubling). */
export function accountDelay(failures: number, limits: Pick<ThrottleLimits, 'delayAfter' | 'delayMs' | 'maxDelayMs'>): number {
  if (failures < limits.delayAfter) return 0;
  return Math.min(limits.maxDelayMs, limits.delayMs * 2 ** (failures - limits.delayAfter));
}

const keys = (account: string, ip: string) => ({ account: `account:${account}`, pair: `pair:${ip}|${account}`, ip: `ip:${ip}` });

/**
 * Failed logins per account, per (account, source address) and per source
 * address, in hub.db so a restart does not reset an attack's count. The one
 * throttle of the hub: HTTP logins, HTTP Basic and MQTT CONNECT all count
 * here. Attempts whose password check is still running count as failures
 * until they end, so a burst of parallel guesses meets the limits at once.
 * Fail closed: a failure that cannot be written refuses the login
 * (LoginStoreUnavailable), and while hub.db is known not to take writes a
 * login is only admitted once its failure row is written beforehand.
 */
export class LoginThrottle {
  // Prepared once: Basic auth checks the throttle on every request.
  private readonly select;
  private readonly any;
  /** Newest failure anywhere: with none inside the window (the usual case) a check needs no query. */
  private lastFailure: number;
  private readonly inFlight = new Map<string, number>();
  private mirror: LoginEventMirror | null = null;

  constructor(
    private readonly db: HubDb,
    private readonly limits: ThrottleLimits,
    private readonly health: DbWriteHealth,
    private readonly now: () => number = Date.now,
  ) {
    this.select = db.prepare<[string, number], { ts: number }>('SELECT ts FROM login_failures WHERE key = ? AND ts > ? ORDER BY ts');
    this.any = db.prepare<[string, string, number], { n: number }>('SELECT count(*) AS n FROM login_failures WHERE key IN (?, ?) AND ts > ?');
    this.lastFailure = (db.prepare('SELECT max(ts) AS ts FROM login_failures').get() as { ts: number | null }).ts ?? -Infinity;
  }

  /** With a Redis: failures on this hub are published to the others (they apply them with `record`). */
  shareWith(mirror: LoginEventMirror): void {
    this.mirror = mirror;
  }

  /**
   * No failure anywhere inside the window and no attempt running: any login
   * would be admitted at once and its success would clear nothing. Reads only.
   */
  idle(): boolean {
    return this.now() - this.lastFailure >= this.limits.windowMs && this.inFlight.size === 0;
  }

  /** Whether a login for `account` from `ip` may be tried now, and after which delay. Reads only. */
  check(account: string, ip: string): ThrottleDecision {
    if (this.idle()) return { allowed: true, delayMs: 0 };
    const now = this.now();
    const k = keys(account, sourceAddress(ip));
    const byPair = decide(this.failures(k.pair, now), this.limits.perAccount, this.limits.windowMs, now);
    if (!byPair.allowed) return { ...byPair, by: 'account' };
    const byIp = decide(this.failures(k.ip, now), this.limits.perIp, this.limits.windowMs, now);
    if (!byIp.allowed) return { ...byIp, by: 'ip' };
    return { allowed: true, delayMs: accountDelay(this.failures(k.account, now).length, this.limits) };
  }

  /** Admits one attempt (see LoginAttempt) or says how long to wait; throws LoginStoreUnavailable when hub.db takes no writes. */
  begin(account: string, ip: string): Admission {
    const decision = this.check(account, ip);
    if (!decision.allowed) return decision;
    const src = sourceAddress(ip);
    const k = keys(account, src);
    // Known not to take writes: the failure is written first, and its write is the proof that this attempt can be counted.
    const written = this.health.state().writable ? null : this.write(() => this.insertFailure(account, src, this.now()));
    if (!written) for (const key of Object.values(k)) bump(this.inFlight, key, 1);
    let open = true;
    const settle = () => {
      if (!open) throw new Error('login attempt settled twice');
      open = false;
      if (!written) for (const key of Object.values(k)) bump(this.inFlight, key, -1);
    };
    return {
      allowed: true,
      delayMs: decision.delayMs,
      attempt: {
        fail: () => {
          settle();
          const ts = this.now();
          if (!written) this.write(() => this.insertFailure(account, src, ts));
          this.mirror?.publish({ kind: 'fail', account, ip: src, ts });
        },
        succeed: () => {
          settle();
          this.clear(account, src, written);
          this.mirror?.publish({ kind: 'succeed', account, ip: src });
        },
        abandon: () => {
          settle();
          if (!written) return;
          try {
            this.write(() => this.db.prepare(`DELETE FROM login_failures WHERE rowid IN (${written.map(() => '?').join(',')})`).run(...written));
          } catch (err) {
            // Left as a failure: erring towards counting too much is the closed side.
            if (!(err instanceof LoginStoreUnavailable)) throw err;
          }
        },
      },
    };
  }

  /** Counts a failed login checked outside `begin` (the current password of a password change). */
  fail(account: string, ip: string): void {
    const ts = this.now();
    const src = sourceAddress(ip);
    this.write(() => this.insertFailure(account, src, ts));
    this.mirror?.publish({ kind: 'fail', account, ip: src, ts });
  }

  /** Applies a failure or success another hub reported; a store that takes no writes drops it (and shows in the health checks). */
  record(event: LoginEvent): void {
    try {
      if (event.kind === 'succeed') this.clear(event.account, event.ip === undefined ? null : sourceAddress(event.ip), null);
      else this.write(() => this.insertFailure(event.account, sourceAddress(event.ip), event.ts));
    } catch (err) {
      if (!(err instanceof LoginStoreUnavailable)) throw err;
    }
  }

  /** Runs a write; a store failure is recorded in the health state and becomes LoginStoreUnavailable. */
  private write<T>(fn: () => T): T {
    try {
      const result = fn();
      this.health.succeeded();
      return result;
    } catch (err) {
      if (this.health.failed(err)) throw new LoginStoreUnavailable(this.health.state() as Extract<DbWriteState, { writable: false }>);
      throw err;
    }
  }

  /** Inserts a failure under the account, pair and ip keys (dropping failures older than the window); returns the new rowids. */
  private insertFailure(account: string, ip: string, ts: number): number[] {
    const k = keys(account, ip);
    const ids = this.db.transaction(() => {
      this.db.prepare('DELETE FROM login_failures WHERE ts <= ?').run(this.now() - this.limits.windowMs);
      const insert = this.db.prepare('INSERT INTO login_failures (key, ts) VALUES (?, ?)');
      return [k.account, k.pair, k.ip].map((key) => Number(insert.run(key, ts).lastInsertRowid));
    })();
    this.lastFailure = Math.max(this.lastFailure, ts);
    return ids;
  }

  /** A success clears the account's and the pair's counts (the ip's stays: one good password does not excuse a spray), and the ip row written beforehand for this attempt; throws LoginStoreUnavailable. */
  private clear(account: string, ip: string | null, written: number[] | null): void {
    const k = keys(account, ip ?? '');
    const now = this.now();
    // Nothing to clear (the usual case for Basic, which logs in on every request): no write.
    if (!written && (now - this.lastFailure >= this.limits.windowMs || this.any.get(k.account, k.pair, now - this.limits.windowMs)!.n === 0)) return;
    this.write(() =>
      this.db.transaction(() => {
        const del = this.db.prepare('DELETE FROM login_failures WHERE key = ?');
        del.run(k.account);
        if (ip !== null) del.run(k.pair);
        if (written) this.db.prepare('DELETE FROM login_failures WHERE rowid = ?').run(written[2]!);
      })(),
    );
  }

  private failures(key: string, now: number): number[] {
    const stored = this.select.all(key, now - this.limits.windowMs).map((r) => r.ts);
    const running = this.inFlight.get(key) ?? 0;
    return running === 0 ? stored : [...stored, ...Array<number>(running).fill(now)];
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
