import { setTimeout as sleep } from 'node:timers/promises';
import type { PasswordChecker } from './authenticator.js';
import { LoginStoreUnavailable, type LoginThrottle } from './login-throttle.js';
import { unknownAccountHash, verifyPassword } from './passwords.js';
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

  constructor(
    readonly throttle: LoginThrottle,
    private readonly queue: VerificationQueue,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  /** Measures a check against the unknown-account hash once, so the first refusals are padded too. */
  async calibrate(): Promise<void> {
    await this.checkPassword('calibration', 'local', null, '');
  }

  /** Runs `verify` under the throttle: its result, or LoginRefused. */
  async attempt<T>(account: string, ip: string, verify: () => Promise<T | null>): Promise<T> {
    const started = performance.now();
    let delayMs = 0;
    try {
      const admission = this.throttle.begin(account, ip);
      if (!admission.allowed) throw new LoginRefused({ kind: 'throttled', retryAfterMs: admission.retryAfterMs, by: admission.by });
      delayMs = admission.delayMs;
      if (delayMs > 0) await this.wait(delayMs);
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
        if (left > 0) await this.wait(left);
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
    return this.queue.run(account, ip, async () => {
      const started = performance.now();
      const ok = hash === null ? (await verifyPassword(await unknownAccountHash(), password), false) : await verifyPassword(hash, password);
      const took = performance.now() - started;
      this.typicalMs = this.typicalMs === 0 ? took : this.typicalMs * 0.8 + took * 0.2;
      return ok;
    });
  }
}
