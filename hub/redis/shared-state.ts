import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import type { Revocations } from '../identity/revocations.js';
import { connectRedis, createRedisClient } from './client.js';
import { HubChannels } from './hub-channels.js';
import { SharedLoginFailures } from './login-failures.js';
import { RevocationRelay } from './revocation-relay.js';
import { WriteBarrier } from './write-barrier.js';

/** What hubs share through `redis.url`: the connection, the login-failure channel, and the barrier responses wait on. */
export interface SharedState {
  redis: Redis;
  barrier: WriteBarrier;
  loginFailures: SharedLoginFailures;
  /** Connects both connections (commands, and the channels' subscriber), waiting a moment; a Redis that is not up yet is not fatal (the clients keep retrying). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** The shared state of a hub with `redis.url` set (docs/security.md, "Redis: several hubs"); `revocations` (hub.db's bus) is relayed to and from the other hubs. */
export function createSharedState(url: string, log: Logger, revocations: Revocations): SharedState {
  const redis = createRedisClient(url, log);
  const barrier = new WriteBarrier();
  const channels = new HubChannels(redis, barrier, log);
  const loginFailures = new SharedLoginFailures(channels);
  const relay = new RevocationRelay(channels, revocations);
  return {
    redis,
    barrier,
    loginFailures,
    async connect() {
      await Promise.all([connectRedis(redis), channels.connect()]);
    },
    async close() {
      await barrier.settled();
      relay.close();
      channels.close();
      redis.disconnect();
    },
  };
}
