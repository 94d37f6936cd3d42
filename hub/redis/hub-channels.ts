import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import { connectRedis, redisReady } from './client.js';
import type { WriteBarrier } from './write-barrier.js';

/**
 * A JSON message another hub published: the object, without telling who
 * sent it; null for this hub's own messages (`self`) and for anything that
 * is not a JSON object with an origin.
 */
export function parseHubMessage(text: string, self: string): Record<string, unknown> | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  const { origin, ...body } = m as Record<string, unknown>;
  if (typeof origin !== 'string' || origin === self) return null;
  return body;
}

/**
 * The Redis pub/sub channels hubs tell each other things on (revocations,
 * login failures). A subscribed Redis connection can do nothing else, so all
 * channels share one subscriber connection next to the hub's command
 * connection; every message carries this hub's origin id so it ignores its
 * own. Pub/sub keeps no history: what is published while a hub is cut off
 * from Redis never reaches it (each user of a channel says what that costs).
 */
export class HubChannels {
  private readonly origin = randomUUID();
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (message: Record<string, unknown>) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly barrier: WriteBarrier,
    private readonly log: Logger,
  ) {
    this.subscriber = redis.duplicate();
    // The command connection already warns once per outage.
    this.subscriber.on('error', () => {});
    // (Re)subscribes on every (re)connection: a new connection has no subscriptions.
    this.subscriber.on('ready', () => {
      if (this.handlers.size > 0) this.subscribe([...this.handlers.keys()]);
    });
    this.subscriber.on('message', (channel: string, text: string) => {
      const handle = this.handlers.get(channel);
      const message = handle && parseHubMessage(text, this.origin);
      if (message) handle(message);
    });
  }

  private subscribe(channels: string[]): void {
    this.subscriber.subscribe(...channels).catch((err: Error) => this.log.warn({ err: err.message, channels }, 'redis: could not subscribe'));
  }

  /** Calls `handle` with each message another hub publishes on `channel` (one handler per channel). */
  listen(channel: string, handle: (message: Record<string, unknown>) => void): void {
    this.handlers.set(channel, handle);
    if (this.subscriber.status === 'ready') this.subscribe([channel]);
  }

  /** Publishes to the other hubs; the response that caused it waits for the write (WriteBarrier). Nothing is sent while Redis is down. */
  publish(channel: string, message: object): void {
    if (!redisReady(this.redis)) return;
    this.barrier.track(
      this.redis.publish(channel, JSON.stringify({ ...message, origin: this.origin })).then(
        () => undefined,
        (err: Error) => this.log.warn({ err: err.message, channel }, 'redis: could not publish'),
      ),
    );
  }

  /** Opens the subscriber connection; false when Redis is not there yet (the client keeps retrying). */
  connect(): Promise<boolean> {
    return connectRedis(this.subscriber);
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
