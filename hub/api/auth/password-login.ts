import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginRefused, type LoginGuard, type LoginRefusal } from '../../identity/login-guard.js';
import { accountKey, type ThrottleDecision } from '../../identity/login-throttle.js';
import type { User, UserStore } from '../../identity/users.js';
import { ApiError } from '../errors.js';

/** The throttle's account key: the user id when the name exists, so email and username share one budget. */
export function throttleKey(user: Pick<User, 'id'> | null, identifier: string): string {
  return accountKey(user && { kind: 'user', id: user.id }, identifier);
}

/** Throws 429 RATE_LIMITED when the throttle says wait (Retry-After in seconds in `details` and, via `reply`, the header). */
export function throttled(decision: ThrottleDecision, reply?: FastifyReply): void {
  if (decision.allowed) return;
  throw refusalError({ kind: 'throttled', retryAfterMs: decision.retryAfterMs, by: decision.by }, reply);
}

/**
 * A refused login as an API error: 401 for wrong credentials, 429 with
 * Retry-After for the throttle and a client's full share of the check
 * queue, 503 when the hub's queue is full or hub.db takes no writes (a
 * login the hub cannot count and audit is refused: fail closed).
 */
export function refusalError(refusal: LoginRefusal, reply?: FastifyReply): ApiError {
  switch (refusal.kind) {
    case 'credentials':
      return new ApiError('UNAUTHORIZED', 'invalid credentials');
    case 'throttled': {
      const seconds = Math.ceil(refusal.retryAfterMs / 1000);
      void reply?.header('retry-after', String(seconds));
      const from = refusal.by === 'account' ? 'account from this address' : 'address';
      return new ApiError('RATE_LIMITED', `too many failed logins for this ${from}; retry in ${seconds} s`, { retry_after_s: seconds, by: refusal.by });
    }
    case 'busy':
      void reply?.header('retry-after', '1');
      return refusal.by === 'hub'
        ? new ApiError('SERVICE_UNAVAILABLE', 'too many password checks waiting; retry in 1 s', { retry_after_s: 1, by: refusal.by })
        : new ApiError('RATE_LIMITED', `too many password checks waiting for this ${refusal.by}; retry in 1 s`, { retry_after_s: 1, by: refusal.by });
    case 'unavailable':
      return new ApiError('SERVICE_UNAVAILABLE', `logins are refused while the hub's store takes no writes (${refusal.reason})`, { store: 'degraded', reason: refusal.reason });
  }
}

export interface PasswordLoginDeps {
  users: UserStore;
  logins: LoginGuard;
}

/**
 * Checks a password login (skyclust's email, the Proxmox manager's username)
 * through the hub's login guard (the throttle shared with Basic and MQTT,
 * then argon2 in the bounded queue; unknown names against a dummy hash). The
 * route declares `audit: {action: 'login', resource: 'auth'}`; the audit
 * hook records every attempt with the user and reason noted here, never the
 * password.
 */
export async function passwordLogin(
  deps: PasswordLoginDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  login: { by: 'email' | 'username'; identifier: string; password: string; via: string },
): Promise<User> {
  const cred = login.by === 'email' ? deps.users.credentialByEmail(login.identifier) : deps.users.credential(login.identifier);
  const known = cred?.user ?? (login.by === 'email' ? deps.users.byEmail(login.identifier) : deps.users.byName(login.identifier));
  const account = throttleKey(known, login.identifier);
  const note = (reason: string | null, user: User | null) => {
    request.auditNote = { ...(user && { userId: user.id, username: user.username }), details: { via: login.via, [login.by]: login.identifier, ...(reason && { reason }) } };
  };
  try {
    const user = await deps.logins.attempt(account, request.ip, async () => ((await deps.logins.checkPassword(account, request.ip, cred?.passwordHash ?? null, login.password)) && cred ? cred.user : null));
    note(null, user);
    return user;
  } catch (err) {
    if (!(err instanceof LoginRefused)) throw err;
    const r = err.refusal;
    note(r.kind === 'credentials' ? (cred ? 'wrong password' : 'unknown or disabled account') : r.kind === 'throttled' ? `throttled by ${r.by}` : r.kind === 'busy' ? `busy (${r.by})` : `store unavailable (${r.reason})`, known);
    if (r.kind === 'credentials') throw new ApiError('UNAUTHORIZED', `invalid ${login.by} or password`);
    throw refusalError(r, reply);
  }
}
