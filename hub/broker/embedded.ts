import { Aedes, type AuthenticateError } from 'aedes';
import { Counter, type Registry } from 'prom-client';
import { parseDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/log.js';
import type { HubConfig } from '../config.js';
import type { Authenticator } from '../identity/authenticator.js';
import type { LoginGuard } from '../identity/login-guard.js';
import type { Revocations } from '../identity/revocations.js';
import type { Ingest } from '../ingest/pipeline.js';
import { canPublish, canSubscribe } from './acl.js';
import { connackFor, connectLogin } from './connect-login.js';
import { applyConnectionLimits } from './connection-limits.js';
import { LiveAccess } from './live-access.js';
import { openListeners } from './listeners.js';

export interface EmbeddedBroker {
  ports: { mqtt: number; mqtts: number | null; ws: number | null };
  /** Clients connected now. */
  clients(): number;
  /** Stops listening and refuses further publishes (unacknowledged, so agents resend to the next hub). */
  stopAccepting(): void;
  /** Disconnects every client. */
  close(): Promise<void>;
}

export interface EmbeddedDeps {
  config: HubConfig['broker'];
  auth: Authenticator;
  /** The hub's login guard, shared with HTTP: one throttle for both. */
  logins: LoginGuard;
  /** hub.db's revocation bus: a removed or disabled user or node loses its connection at once. */
  revocations: Revocations;
  ingest: Ingest;
  log: Logger;
  registry: Registry;
}

/** CONNACK return code 4, "bad user name or password" (MQTT 3.1.1, 3.2.2.3). */
function badCredentials(): AuthenticateError {
  return Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as AuthenticateError;
}

/**
 * The embedded aedes broker. Authentication: node or user credentials, no
 * anonymous access. Authorisation: hub/broker/acl.ts. Ingest runs inside
 * `authorizePublish`: aedes lib/handlers/publish.js runs
 * `[authorizePublish, enqueuePublish]` in series and only enqueuePublish
 * writes the PUBACK (`case 1: write(client, new PubAck(packet), ...)`), so
 * calling back after the group commit means the agent's PUBACK leaves after
 * its samples are in SQLite. A refused or failed publish calls back with an
 * error: aedes then closes the connection without a PUBACK (MQTT-3.3.5-2)
 * and the agent keeps the batch in its outbox.
 */
export async function startEmbeddedBroker(d: EmbeddedDeps): Promise<EmbeddedBroker> {
  // Payloads of rejected messages: acknowledged, but neither retained nor forwarded to subscribers.
  const rejectedPayloads = new WeakSet<Buffer>();
  const refused = new Counter({ name: 'mqtt_refused_total', help: 'MQTT connects, publishes and subscribes refused by the embedded broker, and connections closed by a revocation (action "revoked")', labelNames: ['action'], registers: [d.registry] });
  const access = new LiveAccess(d.auth, d.revocations, (client, who) => {
    refused.inc({ action: 'revoked' });
    d.log.warn({ clientId: client.id, principal: who.kind === 'node' ? who.name : who.username }, 'mqtt connection closed: its account was removed, disabled or given a new password');
  });
  let accepting = true;

  const aedes = await Aedes.createBroker({
    id: 'kcloud-hub',
    connectTimeout: parseDuration(d.config.limits.connectTimeout),
    authenticate(client, username, password, done) {
      if (!username || !password) {
        refused.inc({ action: 'connect' });
        d.log.warn({ clientId: client.id }, 'mqtt connect refused: anonymous access is off');
        return done(badCredentials(), false);
      }
      connectLogin(d.logins, d.auth, client, username, password.toString('utf8')).then(
        (outcome) => {
          if ('refusal' in outcome) {
            refused.inc({ action: 'connect' });
            d.log.warn({ clientId: client.id, username, refusal: outcome.refusal }, 'mqtt connect refused');
            return done(connackFor(outcome.refusal), false);
          }
          access.admit(client, outcome.who);
          done(null, true);
        },
        (err: Error) => {
          d.log.error({ clientId: client.id, username, err: err.message }, 'authentication failed');
          done(badCredentials(), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      // client is null only for a will persisted by an earlier broker process; this one keeps none.
      // A node removed by the CLI (another connection to hub.db) is seen here, by the first publish of the next turn.
      d.revocations.syncOncePerTurn();
      const who = client ? access.principal(client) : null;
      if (!client || !who) return done(new Error('publisher not authenticated or revoked'));
      const acl = canPublish(who, packet.topic);
      if (!acl.allow) {
        refused.inc({ action: 'publish' });
        d.log.warn({ clientId: client.id, topic: packet.topic.slice(0, 200), reason: acl.reason }, 'mqtt publish refused');
        return done(new Error(acl.reason));
      }
      if (!accepting) return done(new Error('hub stopping'));
      // canPublish admits nodes only, so `who` is a node here.
      const sender = who.kind === 'node' ? { id: who.id, name: who.name, cluster: who.cluster } : null;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      void d.ingest.submit({ topic: packet.topic, payload, sender, clientId: client.id }).then((outcome) => {
        if (outcome.status === 'failed') return done(outcome.error);
        if (outcome.status === 'rejected') {
          packet.retain = false;
          if (Buffer.isBuffer(packet.payload)) rejectedPayloads.add(packet.payload);
        }
        done(null);
      });
    },
    authorizeSubscribe(client, sub, done) {
      const who = access.principal(client);
      const acl = who ? canSubscribe(who, sub.topic) : { allow: false as const, reason: 'not authenticated' };
      if (acl.allow) return done(null, sub);
      refused.inc({ action: 'subscribe' });
      d.log.warn({ clientId: client.id, topic: sub.topic.slice(0, 200), reason: acl.reason }, 'mqtt subscribe refused');
      // A null subscription is a SUBACK failure (0x80) for this filter; the connection stays.
      done(null, null);
    },
    authorizeForward(client, packet) {
      // A subscriber revoked since it subscribed gets nothing more (it is being closed).
      if (!access.principal(client)) return null;
      return Buffer.isBuffer(packet.payload) && rejectedPayloads.has(packet.payload) ? null : packet;
    },
  });
  aedes.on('clientDisconnect', (client) => access.forget(client));
  aedes.on('clientError', (client, err) => d.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));

  const limits = applyConnectionLimits(aedes, { config: d.config, log: d.log, registry: d.registry, refused, principal: (client) => access.principal(client), forget: (client) => access.forget(client) });

  let listeners;
  try {
    listeners = await openListeners(limits.handle, d.config);
  } catch (err) {
    limits.close();
    access.close();
    await new Promise<void>((r) => aedes.close(() => r()));
    throw err;
  }
  d.log.info({ mqtt: listeners.mqtt, mqtts: listeners.mqtts, ws: listeners.ws, host: d.config.host }, 'embedded broker listening');
  let closed: Promise<void> | null = null;
  return {
    ports: { mqtt: listeners.mqtt, mqtts: listeners.mqtts, ws: listeners.ws },
    clients: () => aedes.connectedClients,
    stopAccepting() {
      accepting = false;
      // Resolves once the open connections are gone too, i.e. after close().
      closed ??= listeners.close();
    },
    async close() {
      accepting = false;
      limits.close();
      access.close();
      closed ??= listeners.close();
      await new Promise<void>((r) => aedes.close(() => r()));
      await closed;
    },
  };
}
