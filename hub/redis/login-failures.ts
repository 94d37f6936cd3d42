import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import type { LoginEvent, LoginEventMirror } from '../identity/login-throttle.js';
import { connectRedis, redisReady } from './client.js';
import type { WriteBarrier } from './write-barrier.js';

const CHANNEL = 'kcloud:login-failures';


/** The message's event when it is one of ours from another hub; null for anything else. */
export function parseLoginMessage(text: string, self: string): LoginEvent | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { origin, kind, account, ip, ts } = m as Record<string, unknown>;
  if (typeof origin !== 'string' || origin === self || typeof account !== 'string') return null;
  if (kind === 'succeed') return typeof ip === 'string' ? { kind, account, ip } : { kind, account };
  if (kind === 'fail' && typeof ip === 'string' && typeof ts === 'number' && Number.isFinite(ts)) return { kind, account, ip, ts };
  return null;
}

/**
 * Login failures told to every hub on a Redis channel; each hub adds the
 * others' failures to its own hub.db count, so the throttle's check stays a
 * local, synchronous read (Basic checks it on every request). Pub/sub keeps
 * no history: failures made while a hub was cut off from Redis are not
 * counted there, which only lets an attacker spread a burst more thinly.
 */
export class SharedLoginFailures implements LoginEventMirror {
  private readonly origin = randomUUID();
  private readonly subscriber: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly barrier: WriteBarrier,
    private readonly log: Logger,
  ) {
    // A subscribed connection can do nothing else, hence a second one.
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', () => {});
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(CHANNEL).catch((err: Error) => this.log.warn({ err: err.message }, 'login throttle: could not subscribe to redis'));
    });
  }

  /** Calls `apply` with every event another hub publishes. */
  onRemote(apply: (event: LoginEvent) => void): void {
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== CHANNEL) return;
      const event = parseLoginMessage(text, this.origin);
      if (event) apply(event);
    });
  }

  publish(event: LoginEvent): void {
    if (!redisReady(this.redis)) return;
    this.barrier.track(
      this.redis.publish(CHANNEL, JSON.stringify({ origin: this.origin, ...event })).catch((err: Error) => {
        this.log.warn({ err: err.message }, 'login throttle: could not publish to redis');
      }),
    );
  }

  /** Opens the subscription; false when Redis is not there yet (the client keeps retrying). */
  connect(): Promise<boolean> {
    return connectRedis(this.subscriber);
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
