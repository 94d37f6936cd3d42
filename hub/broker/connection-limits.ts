import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import { Counter, type Registry } from 'prom-client';
import { parseDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/log.js';
import type { HubConfig } from '../config.js';
import type { Principal } from '../identity/authenticator.js';
import { OfflineQueues } from './offline-queues.js';
import { limitPacketSize, type PacketTooLargeError } from './packet-size.js';
import { SessionOwners } from './session-owners.js';
import { UnauthenticatedGate } from './unauthenticated-gate.js';

/** Hands one accepted connection (TCP, TLS or WebSocket stream) to the broker; `source` is the peer's address. */
export type ConnectionHandler = (conn: Duplex, req: IncomingMessage | undefined, source: string) => void;

export interface LimitDeps {
  config: HubConfig['broker'];
  log: Logger;
  registry: Registry;
  /** The broker's `mqtt_refused_total` counter (actions added here: packet_too_large, unauthenticated_limit, client_id, session_limit). */
  refused: Counter<'action'>;
  /** The principal a client authenticated as, once aedes' authenticate hook has admitted it. */
  principal(client: Client): Principal | null;
  /** Drops that principal again: the connection is refused here after the hook admitted it (aedes emits no disconnect for it). */
  forget(client: Client): void;
}

export interface ConnectionLimits {
  handle: ConnectionHandler;
  /** Stops the session expiry timer. */
  close(): void;
}

const refusal = (returnCode: 2 | 5, message: string) => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

/**
 * What one MQTT connection may make the embedded broker hold
 * (docs/security.md, "MQTT broker limits"): the size of a packet (small
 * before authentication), the unauthenticated connections of one address,
 * which client ids a principal may use (no takeover of another's session)
 * and the persistent sessions it may keep, each with a bounded queue and
 * an expiry. Installed on an aedes instance before its listeners open.
 */
export function applyConnectionLimits(aedes: Aedes, d: LimitDeps): ConnectionLimits {
  const { limits, sessions } = d.config;
  const dropped = new Counter({ name: 'mqtt_session_messages_dropped_total', help: 'Messages dropped from full persistent-session queues (oldest first)', registers: [d.registry] });
  const expired = new Counter({ name: 'mqtt_sessions_expired_total', help: 'Persistent MQTT sessions deleted after broker.sessions.expiry without their client', registers: [d.registry] });
  const gate = new UnauthenticatedGate(limits.maxUnauthenticatedPerSource);
  const owners = new SessionOwners(sessions.maxPerPrincipal);
  const queues = new OfflineQueues(sessions, (clientId, n) => {
    dropped.inc(n);
    d.log.warn({ clientId, dropped: n, maxMessages: sessions.maxMessages, maxBytes: sessions.maxBytes }, 'mqtt session queue full: oldest messages dropped');
  });
  // aedes reads `broker.persistence` on every call: its persistent-session queues become bounded ones.
  const persistence = (aedes as unknown as { persistence: Record<string, unknown> & { cleanSubscriptions(c: { id: string }): Promise<void> } }).persistence;
  for (const m of ['outgoingEnqueue', 'outgoingEnqueueCombi', 'outgoingUpdate', 'outgoingClearMessageId', 'outgoingStream'] as const) {
    persistence[m] = (queues[m] as (...a: unknown[]) => unknown).bind(queues);
  }

  const authenticated = new WeakSet<Client>();
  const releases = new WeakMap<Client, () => void>();

  // Runs after the authenticate hook has said yes: the client id and the session quota are checked for the principal.
  const authenticate = aedes.authenticate;
  aedes.authenticate = function bindSession(client, username, password, done) {
    authenticate.call(this, client, username, password, (err, ok) => {
      const who = !err && ok ? d.principal(client) : null;
      if (!who) return done(err, ok);
      const claim = owners.claim(client.id, who, !client.clean, client.conn);
      if (!claim.ok) {
        d.forget(client);
        d.refused.inc({ action: claim.returnCode === 2 ? 'client_id' : 'session_limit' });
        d.log.warn({ clientId: client.id.slice(0, 200), username, reason: claim.reason }, 'mqtt connect refused: client id');
        return done(refusal(claim.returnCode, claim.reason), false);
      }
      authenticated.add(client);
      releases.get(client)?.();
      done(null, true);
    });
  };

  const handle: ConnectionHandler = (conn, req, source) => {
    const release = gate.admit(source);
    if (!release) {
      d.refused.inc({ action: 'unauthenticated_limit' });
      d.log.warn({ source, max: limits.maxUnauthenticatedPerSource }, 'mqtt connection closed: too many unauthenticated connections from this address');
      conn.destroy();
      return;
    }
    const client = aedes.handle(conn, req);
    releases.set(client, release);
    conn.once('close', () => {
      release();
      if (client.id) owners.closed(client.id, conn);
    });
    limitPacketSize(
      client,
      () => (authenticated.has(client) ? limits.maxPacketSize : limits.maxConnectSize),
      (err: PacketTooLargeError) => {
        d.refused.inc({ action: 'packet_too_large' });
        d.log.warn({ source, clientId: client.id?.slice(0, 200) ?? null, cmd: err.cmd, declared: err.declared, limit: err.limit }, 'mqtt packet too large: connection closed');
      },
    );
  };

  const expiryMs = parseDuration(sessions.expiry);
  const sweep = setInterval(
    () => {
      for (const id of owners.expire(expiryMs)) {
        queues.forget(id);
        expired.inc();
        persistence.cleanSubscriptions({ id }).catch((err: Error) => d.log.error({ clientId: id, err: err.message }, 'cannot delete an expired mqtt session'));
      }
    },
    Math.min(expiryMs, 60_000),
  );
  sweep.unref();
  return { handle, close: () => clearInterval(sweep) };
}
