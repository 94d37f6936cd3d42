import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import { redisReady } from './client.js';

export interface SharedStoreOptions {
  redis: Redis;
  /** Key prefix, one per API area so areas keep separate budgets (`kcloud:ratelimit:skyclust:`). */
  namespace: string;
  log: Logger;
  /** Entries of the in-memory fallback (an LRU). */
  cache: number;
}

/**
 * @fastify/rate-limit's Redis store (one atomic INCR+PEXPIRE script, so
 * every hub counts in the same key) with its in-memory store behind it:
 * while Redis is unreachable each hub counts on its own, as a hub without
 * Redis does, instead of refusing every request (fail closed) or counting
 * nothing (the plugin's `skipOnError`). One warning per outage.
 */
export class FailoverRateLimitStore implements FastifyRateLimitStore {
  private readonly shared: FastifyRateLimitStore;
  private readonly local: FastifyRateLimitStore;
  private degraded = false;

  constructor(private readonly opts: SharedStoreOptions) {
    this.shared = new RedisStore(false, false, opts.redis, opts.namespace);
    this.local = new LocalStore(false, false, opts.cache);
  }

  incr: FastifyRateLimitStore['incr'] = (key, cb, timeWindow, max) => {
    if (!redisReady(this.opts.redis)) {
      this.fallBack(`connection ${this.opts.redis.status}`);
      return this.local.incr(key, cb, timeWindow, max);
    }
    this.shared.incr(
      key,
      (err, result) => {
        if (!err) {
          if (this.degraded) this.opts.log.info({ namespace: this.opts.namespace }, 'rate limits: counting in redis again');
          this.degraded = false;
          return cb(null, result);
        }
        this.fallBack(err.message);
        this.local.incr(key, cb, timeWindow, max);
      },
      timeWindow,
      max,
    );
  };

  /** The hub's limiters are per area, not per route: every child counts in the area's keys. */
  child(): FastifyRateLimitStore {
    return this;
  }

  private fallBack(reason: string): void {
    if (!this.degraded) this.opts.log.warn({ namespace: this.opts.namespace, reason }, "rate limits: redis unavailable, counting in this hub's memory");
    this.degraded = true;
  }
}

/** The store as @fastify/rate-limit's `store` option wants it: a class it instantiates itself. */
export function sharedRateLimitStore(opts: SharedStoreOptions): FastifyRateLimitStoreCtor {
  return class extends FailoverRateLimitStore {
    constructor() {
      super(opts);
    }
  };
}
