import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import type { RevocationMirror } from '../identity/tokens.js';
import { redisReady } from './client.js';
import type { WriteBarrier } from './write-barrier.js';

const KEY_PREFIX = 'kcloud:revoked:';
/** Revoked jtis remembered locally; beyond this the oldest are forgotten (Redis still has them). */
const CACHE_MAX = 10_000;

export interface Revocation {
  jti: string;
  /** Epoch ms after which the token is refused anyway (its `exp` plus the clock tolerance). */
  until: number;
}

/**
 * JWT revocations shared by hubs: a revoked jti is a Redis key that expires
 * when the token would have, so every hub refuses it and nothing needs
 * pruning. Only positive answers are cached (a revocation never ends early);
 * an unknown jti asks Redis each time, one round trip per JWT request.
 * Redis unreachable: the answer is "not revoked here" with a warning, and
 * the hub's own list (hub.db) still applies; the hub republishes that list
 * each time the connection becomes ready, so logouts made during an outage
 * reach the other hubs afterwards.
 */
export class SharedRevocations implements RevocationMirror {
  private readonly known = new Map<string, number>();
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly barrier: WriteBarrier,
    private readonly log: Logger,
    /** The hub's own unexpired revocations (hub.db), republished on every (re)connection. */
    private readonly local: () => Revocation[],
    private readonly now: () => number = Date.now,
  ) {
    redis.on('ready', () => this.barrier.track(this.publishAll(this.local())));
  }

  /** Tells the other hubs; the response that reports the logout waits for it (WriteBarrier). */
  publish(revocation: Revocation): void {
    this.remember(revocation);
    this.barrier.track(this.publishAll([revocation]));
  }

  async isRevoked(jti: string): Promise<boolean> {
    const until = this.known.get(jti);
    if (until !== undefined) {
      if (until > this.now()) return true;
      this.known.delete(jti);
    }
    if (!redisReady(this.redis)) return this.unavailable(`connection ${this.redis.status}`);
    let stored: string | null;
    try {
      stored = await this.redis.get(KEY_PREFIX + jti);
    } catch (err) {
      return this.unavailable((err as Error).message);
    }
    this.warned = false;
    if (stored === null) return false;
    this.remember({ jti, until: Number(stored) });
    return true;
  }

  private async publishAll(revocations: Revocation[]): Promise<void> {
    const now = this.now();
    const live = revocations.filter((r) => r.until > now);
    if (live.length === 0 || !redisReady(this.redis)) return;
    const batch = this.redis.multi();
    for (const r of live) batch.set(KEY_PREFIX + r.jti, String(r.until), 'PX', r.until - now);
    try {
      await batch.exec();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, count: live.length }, 'revocations: could not publish to redis; republished when it is back');
    }
  }

  private remember(r: Revocation): void {
    if (this.known.size >= CACHE_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(r.jti, r.until);
  }

  private unavailable(reason: string): false {
    if (!this.warned) this.log.warn({ reason }, "revocations: redis unavailable, only this hub's logouts are refused");
    this.warned = true;
    return false;
  }
}
