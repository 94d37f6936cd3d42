import { createHash } from 'node:crypto';
import { writeFailureReason } from './db-write-health.js';
import { accountKey } from './login-throttle.js';
import { isMachineDigest, machineDigest, verifyMachineDigest } from './machine-credentials.js';
import type { NodeStore } from './nodes.js';
import { unknownAccountHash, verifyPassword } from './passwords.js';
import type { Role, UserStore } from './users.js';

/** Who an MQTT connection (later: an HTTP request) belongs to. */
export type Principal =
  | { kind: 'node'; id: number; name: string; cluster: string }
  | { kind: 'user'; id: number; username: string; role: Role };

const MAX_CACHED = 10_000;

/** A name's stored credential at one moment (Authenticator.lookup): at most one of node and user. */
export interface StoredAccount {
  username: string;
  /** The login throttle's account (hub/identity/login-throttle.ts accountKey). */
  key: string;
  node: ReturnType<NodeStore['credential']>;
  user: ReturnType<UserStore['credential']>;
}

/** Runs an argon2 check; with no hash (unknown name) one against a hash nobody knows the password of, which fails. */
export interface PasswordChecker {
  checkPassword(account: string, ip: string, hash: string | null, password: string): Promise<boolean>;
}

/** Checks at once, unqueued: for tools and tests that run no hub. */
const directChecker: PasswordChecker = {
  async checkPassword(_account, _ip, hash, password) {
    if (hash === null) return (await verifyPassword(await unknownAccountHash(), password)) && false;
    return verifyPassword(hash, password);
  },
};

/**
 * Checks a username/password against nodes first, then users (the names
 * share one namespace). Node passwords are random secrets checked with a
 * keyed hash (hub/identity/machine-credentials.ts); one still stored as
 * argon2 (made before keyed hashes, or by `kcloud-hub node add`, which has
 * no key) is checked with argon2 once and rewritten as a keyed hash on that
 * successful check. User passwords, and unknown names (against a hash nobody
 * knows), go through argon2 in the guard's bounded queue. A successful
 * argon2 check is remembered for `cacheTtlMs`, keyed by the stored hash and
 * a digest of the password, so HTTP Basic and reconnects do not pay it per
 * request, and a changed password or removed account takes effect at once
 * (the row is read on every attempt).
 */
export class Authenticator {
  private readonly verified = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();

  private readonly checker: PasswordChecker;
  private readonly nodeKey: Buffer | null;

  /**
   * `checker`: the hub's LoginGuard (its bounded queue); a direct argon2
   * check without one (tools, tests). `nodeKey`: without it keyed node
   * hashes are refused and argon2 ones are not rewritten.
   */
  constructor(
    private readonly nodes: NodeStore,
    private readonly users: UserStore,
    private readonly cacheTtlMs: number,
    private readonly now: () => number = Date.now,
    options: { checker?: PasswordChecker; nodeKey?: Buffer | null } = {},
  ) {
    this.checker = options.checker ?? directChecker;
    this.nodeKey = options.nodeKey ?? null;
  }

  /**
   * Who a name belongs to, read once per login attempt: the throttle's
   * account and the stored credential `verify` checks. Users are looked up
   * first (HTTP Basic reads this on every request, and a name that is a user
   * is not a node: names share one namespace, hub/identity/names.ts), so a
   * user costs one indexed read.
   */
  lookup(username: string): StoredAccount {
    const user = this.users.credential(username);
    if (user) return { username, key: accountKey({ kind: 'user', id: user.user.id }, username), node: null, user };
    const node = this.nodes.credential(username);
    return { username, key: accountKey(node ? { kind: 'node', id: node.node.id } : null, username), node, user: null };
  }

  /**
   * The account as it stands now, for connections admitted earlier
   * (hub/broker/live-access.ts): null when removed or disabled; a node's id
   * (a node registered anew gets a new one; its keyed-hash migration does
   * not count as a new password), a user's password stamp.
   */
  standing(who: Principal): string | null {
    if (who.kind === 'node') {
      const node = this.nodes.credential(who.name);
      return node && node.node.id === who.id ? `node:${who.id}` : null;
    }
    return this.users.active(who.id)?.stamp ?? null;
  }

  /**
   * The principal for these credentials, or null (unknown name, wrong
   * password, disabled). Throws VerificationBusy when the queue refuses the
   * check. Not throttled: callers go through LoginGuard.attempt.
   */
  authenticate(username: string, password: string, ip = 'local'): Promise<Principal | null> {
    return this.verify(this.lookup(username), password, ip);
  }

  /** `authenticate` for an account already looked up (the throttle's admission needed its key first). */
  async verify(found: StoredAccount, password: string, ip = 'local'): Promise<Principal | null> {
    const { node, user } = found;
    if (node) {
      const principal = { kind: 'node' as const, id: node.node.id, name: node.node.name, cluster: node.node.cluster };
      if (isMachineDigest(node.passwordHash)) return this.nodeKey && verifyMachineDigest(this.nodeKey, node.passwordHash, password) ? principal : null;
      if (!(await this.check(found.key, ip, node.passwordHash, password))) return null;
      if (!this.nodeKey) return principal;
      try {
        this.nodes.upgradeCredential(node.node.id, node.passwordHash, machineDigest(this.nodeKey, password));
      } catch (err) {
        // A store that takes no writes keeps the argon2 hash; the next successful login tries again.
        if (writeFailureReason(err) === null) throw err;
      }
      return principal;
    }
    const ok = await this.check(found.key, ip, user?.passwordHash ?? null, password);
    return ok && user ? { kind: 'user', id: user.user.id, username: user.user.username, role: user.user.role } : null;
  }

  private async check(account: string, ip: string, hash: string | null, password: string): Promise<boolean> {
    if (hash === null) return this.checker.checkPassword(account, ip, null, password);
    const key = `${hash}\0${createHash('sha256').update(password).digest('base64')}`;
    const until = this.verified.get(key);
    if (until !== undefined && until > this.now()) return true;
    // Concurrent attempts with the same credentials share one verification.
    let p = this.pending.get(key);
    if (!p) {
      p = this.checker.checkPassword(account, ip, hash, password).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const ok = await p;
    if (ok) this.remember(key);
    return ok;
  }

  private remember(key: string): void {
    this.verified.delete(key);
    if (this.verified.size >= MAX_CACHED) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, this.now() + this.cacheTtlMs);
  }
}
