import { createHash } from 'node:crypto';
import type { NodeStore } from './nodes.js';
import { verifyPassword } from './passwords.js';
import type { Role, UserStore } from './users.js';

/** Who an MQTT connection (later: an HTTP request) belongs to. */
export type Principal =
  | { kind: 'node'; id: number; name: string; cluster: string }
  | { kind: 'user'; id: number; username: string; role: Role };

const MAX_CACHED = 10_000;

/**
 * Checks a username/password against nodes first, then users (the names
 * share one namespace). A successful argon2 verification is remembered for
 * `cacheTtlMs`, keyed by the stored hash and a digest of the password, so a
 * reconnect storm of 500 agents costs 500 verifications once, not per retry,
 * and a changed password or removed account takes effect at once (the row is
 * read on every attempt).
 */
export class Authenticator {
  private readonly verified = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly nodes: NodeStore,
    private readonly users: UserStore,
    private readonly cacheTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal for these credentials, or null (unknown name, wrong password, disabled). */
  async authenticate(username: string, password: string): Promise<Principal | null> {
    const node = this.nodes.credential(username);
    if (node) {
      const ok = await this.check(node.passwordHash, password);
      return ok ? { kind: 'node', id: node.node.id, name: node.node.name, cluster: node.node.cluster } : null;
    }
    const user = this.users.credential(username);
    if (user) {
      const ok = await this.check(user.passwordHash, password);
      return ok ? { kind: 'user', id: user.user.id, username: user.user.username, role: user.user.role } : null;
    }
    return null;
  }

  private async check(hash: string, password: string): Promise<boolean> {
    const key = `${hash}\0${createHash('sha256').update(password).digest('base64')}`;
    const until = this.verified.get(key);
    if (until !== undefined && until > this.now()) return true;
    // Concurrent attempts with the same credentials share one verification.
    let p = this.pending.get(key);
    if (!p) {
      p = verifyPassword(hash, password).finally(() => this.pending.delete(key));
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
