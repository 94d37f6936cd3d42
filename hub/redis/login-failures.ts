import type { LoginEvent, LoginEventMirror } from '../identity/login-throttle.js';
import type { HubChannels } from './hub-channels.js';

const CHANNEL = 'kcloud:login-failures';

/** The event of another hub's message (parseHubMessage); null for anything malformed. */
export function loginEventOf(m: Record<string, unknown>): LoginEvent | null {
  const { kind, account, ip, ts } = m;
  if (typeof account !== 'string') return null;
  if (kind === 'succeed') return typeof ip === 'string' ? { kind, account, ip } : { kind, account };
  if (kind === 'fail' && typeof ip === 'string' && typeof ts === 'number' && Number.isFinite(ts)) return { kind, account, ip, ts };
  return null;
}

/**
 * Login failures told to every hub on a Redis channel; each hub adds the
 * others' failures to its own hub.db count, so the throttle's check stays a
 * local, synchronous read (Basic checks it on every request). Failures made
 * while a hub was cut off from Redis are not counted there, which only lets
 * an attacker spread a burst more thinly.
 */
export class SharedLoginFailures implements LoginEventMirror {
  constructor(private readonly channels: HubChannels) {}

  /** Calls `apply` with every event another hub publishes. */
  onRemote(apply: (event: LoginEvent) => void): void {
    this.channels.listen(CHANNEL, (m) => {
      const event = loginEventOf(m);
      if (event) apply(event);
    });
  }

  publish(event: LoginEvent): void {
    this.channels.publish(CHANNEL, event);
  }
}
