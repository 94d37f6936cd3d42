import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import { connectRedis, createRedisClient } from './client.js';
import { SharedLoginFailures } from './login-failures.js';
import { WriteBarrier } from './write-barrier.js';

/** What hubs share through `redis.url`: the connection, the login-failure channel, and the barrier responses wait on. */
export interface SharedState {
  redis: Redis;
  barrier: WriteBarrier;
  loginFailures: SharedLoginFailures;
  /** Connects both connections, waiting a moment; a Redis that is not up yet is not fatal (the clients keep retrying). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** The shared state of a hub with `redis.url` set (docs/security.md, "Redis: several hubs"). */
export function createSharedState(url: string, log: Logger): SharedState {
  const redis = createRedisClient(url, log);
  const barrier = new WriteBarrier();
  const loginFailures = new SharedLoginFailures(redis, barrier, log);
  return {
    redis,
    barrier,
    loginFailures,
    async connect() {
      await Promise.all([connectRedis(redis), loginFailures.connect()]);
    },
    async close() {
      await barrier.settled();
      loginFailures.close();
      redis.disconnect();
    },
  };
}
