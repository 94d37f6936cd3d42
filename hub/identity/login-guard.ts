import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import type { PasswordChecker } from './authenticator.js';
import { LoginStoreUnavailable, type LoginThrottle } from './login-throttle.js';
import { unknownAccountHash, verifyPassword } from './passwords.js';
import { sourceAddress } from './source-address.js';
import { VerificationBusy, type VerificationQueue } from './verification-queue.js';

/** Why a login was refused; each transport answers it its own way (HTTP 401/429/503, MQTT CONNACK 4/5/3). */
export type LoginRefusal =
  | { kind: 'credentials' }
  | { kind: 'throttled'; retryAfterMs: number; by: 'account' | 'ip' }
  | { kind: 'busy'; by: 'source' | 'account' | 'hub' }
  | { kind: 'unavailable'; reason: string };

export class LoginRefused extends Error {
  override name = 'LoginRefused';
  constructor(readonly refusal: LoginRefusal) {
    super(`login refused: ${refusal.kind}`);
  }
}

/**
 * The one way into the hub with a password, for HTTP logins, HTTP Basic and
 * MQTT CONNECT alike: the shared throttle first, its account delay, the
 * check through the bounded verification queue, the outcome recorded (or
 * the login refused when it cannot be). Every refusal is answered no sooner
 * than a password check takes, so neither the kind of name (unknown, user,
 * node) nor the reason shows in the timing.
 */
export class LoginGuard implements PasswordChecker {
  /** Typical duration of an argon2 check here, measured (moving average); refusals are padded to it. */
  private typicalMs = 0;

  private readonly checks: Counter<'subject'> | null;

  /** `registry`: where `login_password_checks_total` goes. */
  constructor(
    readonly throttle: LoginThrottle,
    private readonly queue: VerificationQueue,
    registry: Registry | null = null,
  ) {
    this.checks = registry
      ? new Counter({ name: 'login_password_checks_total', help: 'argon2 password checks run for logins; subject "unknown" is the check against a dummy hash for a name that has no password', labelNames: ['subject'], registers: [registry] })
      : null;
  }

  /** Measures a check against the unknown-account hash once, so the first refusals are padded too. */
  async calibrate(): Promise<void> {
    await this.timedCheck(null, '');
  }

  /** Runs `verify` under the throttle: its result, or LoginRefused. */
  async attempt<T>(account: string, ip: string, verify: () => Promise<T | null>): Promise<T> {
    const started = performance.now();
    let delayMs = 0;
    try {
      const admission = this.throttle.begin(account, ip);
      if (!admission.allowed) throw new LoginRefused({ kind: 'throttled', retryAfterMs: admission.retryAfterMs, by: admission.by });
      delayMs = admission.delayMs;
      if (delayMs > 0) await sleep(delayMs);
      let result: T | null;
      try {
        result = await verify();
      } catch (err) {
        admission.attempt.abandon();
        if (err instanceof VerificationBusy) throw new LoginRefused({ kind: 'busy', by: err.by });
        throw err;
      }
      if (result === null) {
        admission.attempt.fail();
        throw new LoginRefused({ kind: 'credentials' });
      }
      admission.attempt.succeed();
      return result;
    } catch (err) {
      const refused = err instanceof LoginStoreUnavailable ? new LoginRefused({ kind: 'unavailable', reason: err.state.reason }) : err;
      if (refused instanceof LoginRefused) {
        const left = delayMs + this.typicalMs - (performance.now() - started);
        if (left > 0) await sleep(left);
      }
      throw refused;
    }
  }

  /**
   * An argon2 check through the queue; with no stored hash (unknown or
   * disabled account) a check against a hash nobody knows the password of,
   * so unknown names cost what known ones do. Throws VerificationBusy.
   */
  checkPassword(account: string, ip: string, hash: string | null, password: string): Promise<boolean> {
    return this.queue.run(account, sourceAddress(ip), () => {
      this.checks?.inc({ subject: hash === null ? 'unknown' : 'account' });
      return this.timedCheck(hash, password);
    });
  }

  private async timedCheck(hash: string | null, password: string): Promise<boolean> {
    const started = performance.now();
    const ok = hash === null ? (await verifyPassword(await unknownAccountHash(), password)) && false : await verifyPassword(hash, password);
    const took = performance.now() - started;
    this.typicalMs = this.typicalMs === 0 ? took : this.typicalMs * 0.8 + took * 0.2;
    return ok;
  }
}
