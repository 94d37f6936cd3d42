import type { Revocation, RevocationOrigin, Revocations } from '../identity/revocations.js';
import type { HubChannels } from './hub-channels.js';

const CHANNEL = 'kcloud:revocation-events';
const MAX_ID_LENGTH = 200;

const validId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;

/** The revocation of another hub's message (parseHubMessage); null for anything malformed. */
export function revocationOf(m: Record<string, unknown>): Revocation | null {
  const { kind, userId, id, name } = m;
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
 * everywhere: hub/redis/revocations.ts). A hub cut off from Redis misses
 * what was revoked meanwhile, and its open connections go on until their
 * next re-check (a revocation that concerns them, or any change to hub.db
 * it sees itself). `any` (this hub's own hub.db changed) is not relayed:
 * each hub watches its hub.db itself.
 */
export class RevocationRelay {
  private readonly onLocal = (r: Revocation, origin: RevocationOrigin) => {
    if (origin === 'local' && r.kind !== 'any') this.channels.publish(CHANNEL, r);
  };

  constructor(
    private readonly channels: HubChannels,
    private readonly revocations: Revocations,
  ) {
    channels.listen(CHANNEL, (m) => {
      const r = revocationOf(m);
      if (r) this.revocations.receive(r);
    });
    revocations.on('revoked', this.onLocal);
  }

  close(): void {
    this.revocations.off('revoked', this.onLocal);
  }
}
