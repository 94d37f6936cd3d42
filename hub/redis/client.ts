import { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';

/** A command that Redis does not answer within this fails, so a hung Redis slows a request by at most this much. */
export const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnection backoff: 100 ms, 200 ms, … capped here, forever (Redis coming back must be noticed). */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * The hub's one connection to `redis.url`, shared by rate limiting and
 * revocations. Without an offline queue a command sent while Redis is down
 * fails at once instead of waiting for a reconnection, so callers can fall
 * back to the hub's own state (docs/security.md, "Redis") and no request
 * hangs. Connection changes are logged once each, never the URL (it may
 * carry a password).
 */
export function createRedisClient(url: string, log: Logger): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    lazyConnect: true,
  });
  let down = false;
  client.on('ready', () => {
    if (down) log.info('redis: connected again; rate limits and revocations are shared');
    down = false;
  });
  // ioredis emits 'error' for every failed reconnection; one warning per outage is enough.
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'redis: unreachable; each hub limits and revokes on its own until it is back');
  });
  return client;
}

/** Connects, waiting at most `timeoutMs`; false (with a warning from the client) when Redis is not there yet, which is not fatal: the client keeps retrying. */
export async function connectRedis(client: Redis, timeoutMs = CONNECT_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([connected, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether commands can be sent now (without the offline queue they fail otherwise). */
export const redisReady = (client: Redis): boolean => client.status === 'ready';
