import type { AuthenticateError, Client } from 'aedes';
import type { Authenticator, Principal } from '../identity/authenticator.js';
import { LoginRefused, type LoginGuard, type LoginRefusal } from '../identity/login-guard.js';

/** The client's address: the TCP/TLS socket's, or for MQTT over WebSocket the HTTP upgrade request's. */
export function clientAddress(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket.remoteAddress;
}

/** CONNACK return codes (MQTT 3.1.1, 3.2.2.3): 4 bad user name or password, 5 not authorized (throttled), 3 server unavailable (busy, store down). */
export function connackFor(refusal: LoginRefusal): AuthenticateError {
  const [code, message] =
    refusal.kind === 'credentials'
      ? [4, 'bad user name or password']
      : refusal.kind === 'throttled'
        ? [5, `too many failed logins for this ${refusal.by}`]
        : refusal.kind === 'busy'
          ? [3, `too many password checks waiting for this ${refusal.by}`]
          : [3, `login store unavailable: ${refusal.reason}`];
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/**
 * An MQTT CONNECT's login, through the same guard as HTTP (one throttle per
 * account and per source address, the same delays and refusal padding):
 * the principal, or the refusal to answer in the CONNACK.
 */
export async function connectLogin(guard: LoginGuard, auth: Authenticator, client: Client, username: string, password: string): Promise<{ who: Principal } | { refusal: LoginRefusal }> {
  const ip = clientAddress(client) ?? 'unknown';
  try {
    const found = auth.lookup(username);
    return { who: await guard.attempt(found.key, ip, () => auth.verify(found, password, ip)) };
  } catch (err) {
    if (err instanceof LoginRefused) return { refusal: err.refusal };
    throw err;
  }
}
