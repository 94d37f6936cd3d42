import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/log.js';
import type { Revocation, RevocationOrigin, Revocations } from '../identity/revocations.js';
import { connectRedis, redisReady } from './client.js';
import type { WriteBarrier } from './write-barrier.js';

const CHANNEL = 'kcloud:revocation-events';
const MAX_ID_LENGTH = 200;

const validId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;

/** The revocation of a message another hub published on the channel; null for ours, and for anything malformed. */
export function parseRevocationMessage(text: string, self: string): Revocation | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { origin, kind, userId, id, name } = m as Record<string, unknown>;
  if (typeof origin !== 'string' || origin === self) return null;
  if (kind === 'user' && Number.isSafeInteger(userId) && (userId as number) > 0) return { kind, userId: userId as number };
  if (kind === 'credential' && validId(id)) return { kind, id };
  if (kind === 'node' && validId(name)) return { kind, name };
  return null;
}

/**
 * Carries revocations between hubs that share a Redis, so a logout, a
 * revoked key or a removed user on one hub closes the streams and MQTT
 * connections it concerns on every hub, not only on the one that took the
 * request (the revoked jti in Redis already refuses new requests
 * everywhere: hub/redis/revocations.ts). Pub/sub keeps no history: a hub cut
 * off from Redis misses what was revoked meanwhile, and its open
 * connections go on until their next re-check (a revocation that concerns
 * them, or any change to hub.db it sees itself). `any` (this hub's own
 * hub.db changed) is not relayed: each hub watches its hub.db itself.
 */
export class RevocationRelay {
  private readonly origin = randomUUID();
  private readonly subscriber: Redis;
  private readonly onLocal = (r: Revocation, origin: RevocationOrigin) => {
    if (origin === 'local' && r.kind !== 'any') this.publish(r);
  };

  constructor(
    private readonly redis: Redis,
    private readonly barrier: WriteBarrier,
    private readonly log: Logger,
    private readonly revocations: Revocations,
  ) {
    // A subscribed connection can do nothing else, hence one of its own.
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', () => {});
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(CHANNEL).catch((err: Error) => this.log.warn({ err: err.message }, 'revocations: could not subscribe to redis'));
    });
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== CHANNEL) return;
      const r = parseRevocationMessage(text, this.origin);
      if (r) this.revocations.receive(r);
    });
    revocations.on('revoked', this.onLocal);
  }

  /** Opens the subscription; false when Redis is not there yet (the client keeps retrying). */
  connect(): Promise<boolean> {
    return connectRedis(this.subscriber);
  }

  close(): void {
    this.revocations.off('revoked', this.onLocal);
    this.subscriber.disconnect();
  }

  /** The response that made the revocation waits for it (WriteBarrier), as for a logout's jti. */
  private publish(r: Revocation): void {
    if (!redisReady(this.redis)) return;
    this.barrier.track(
      this.redis.publish(CHANNEL, JSON.stringify({ origin: this.origin, ...r })).then(
        () => undefined,
        (err: Error) => this.log.warn({ err: err.message }, 'revocations: could not publish to redis'),
      ),
    );
  }
}
