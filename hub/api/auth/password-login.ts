import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginThrottle, ThrottleDecision } from '../../identity/login-throttle.js';
import { hashPassword, verifyPassword } from '../../identity/passwords.js';
import type { User, UserStore } from '../../identity/users.js';
import { ApiError } from '../errors.js';

/** The throttle's account key: the user id when the name exists, so email and username share one budget. */
export function throttleKey(user: Pick<User, 'id'> | null, identifier: string): string {
  return user ? `user:${user.id}` : `name:${identifier.toLowerCase()}`;
}

/** Throws 429 RATE_LIMITED when the throttle says wait (Retry-After in seconds in `details` and, via `reply`, the header). */
export function throttled(decision: ThrottleDecision, reply?: FastifyReply): void {
  if (decision.allowed) return;
  const seconds = Math.ceil(decision.retryAfterMs / 1000);
  void reply?.header('retry-after', String(seconds));
  throw new ApiError('RATE_LIMITED', `too many failed logins for this ${decision.by}; retry in ${seconds} s`, { retry_after_s: seconds, by: decision.by });
}

let dummyHash: Promise<string> | null = null;
/** Verifying against a throwaway hash for unknown names keeps their timing like a wrong password's (no account probing). */
const unknownUserHash = () => (dummyHash ??= hashPassword('kcloud-no-such-user'));

export interface PasswordLoginDeps {
  users: UserStore;
  throttle: LoginThrottle;
}

/**
 * Checks a password login (skyclust's email, the Proxmox manager's username):
 * throttle first, then argon2. The route declares `audit: {action: 'login',
 * resource: 'auth'}`; the audit hook records every attempt with the user
 * and reason noted here, never the password.
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
  const decision = deps.throttle.check(account, request.ip);
  if (!decision.allowed) {
    note(`throttled by ${decision.by}`, known);
    throttled(decision, reply);
  }
  const ok = cred ? await verifyPassword(cred.passwordHash, login.password) : (await verifyPassword(await unknownUserHash(), login.password), false);
  if (!ok || !cred) {
    deps.throttle.fail(account, request.ip);
    note(cred ? 'wrong password' : 'unknown or disabled account', known);
    throw new ApiError('UNAUTHORIZED', `invalid ${login.by} or password`);
  }
  deps.throttle.succeed(account);
  note(null, cred.user);
  return cred.user;
}
