import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { parseTopic, TOPIC_KINDS, TOPIC_ROOT } from '../../shared/topics.js';
import type { HubConfig } from '../config.js';
import type { Ingest } from '../ingest/pipeline.js';
import { clientIdOfStateTopic, HUB_STATE_FILTER, hubStatePayload, hubStateTopic, WILL_DELAY_SECONDS } from './hub-presence.js';
import { PeerAdopter, type MessageHandler } from './peer-adoption.js';

export interface ExternalState {
  url: string;
  connected: boolean;
  lastError: string | null;
}

export interface ExternalSubscriber {
  state: ExternalState;
  /** Client ids of the dead peers' sessions this hub holds now (docs/scale-out.md). */
  adopted(): string[];
  /** Stops taking messages; unacknowledged ones stay queued at the broker for the next start (or the peer that adopts the session). */
  close(): Promise<void>;
}

/**
 * The filters the hub subscribes to. With a group, telemetry through the
 * MQTT 5 shared subscription of the group (the broker hands each batch to
 * one hub of the group) and status and inventory through plain
 * subscriptions, so every hub of the group knows every node's state and
 * hardware (docs/scale-out.md); with an empty group, one plain subscription
 * for a single hub. mosquitto 2.0.11 restores a persistent session's plain
 * subscriptions after a broker restart but not its shared ones, so with a
 * shared subscription, telemetry published between a broker restart and the
 * hub's reconnect reaches no hub (the hub subscribes again on every
 * connect). See docs/hub.md.
 */
export function subscriptionFilters(group: string): string[] {
  if (!group) return [`${TOPIC_ROOT}/+/+/+`];
  return TOPIC_KINDS.map((kind) => (kind === 'telemetry' ? `$share/${group}/${TOPIC_ROOT}/+/+/${kind}` : `${TOPIC_ROOT}/+/+/${kind}`));
}

/**
 * Ingest from an external broker (mosquitto, EMQX). A persistent MQTT 5
 * session (clean start off, a stable client id, a session expiry) keeps QoS 1
 * messages at the broker while the hub restarts. Each PUBACK is sent from
 * `customHandleAcks` only after the message's commit; when a commit fails
 * the connection is dropped without the PUBACK, so the broker redelivers it
 * on reconnect. mqtt.js handles one incoming packet at a time, so here a
 * group commit holds one message: throughput is one SQLite commit per
 * message (several hubs in one group split the load). With a group the hub
 * announces itself on its state topic (online, and offline as its Will) and,
 * with `adoptPeers`, takes over dead peers' sessions (peer-adoption.ts).
 */
export function startExternalSubscriber(cfg: HubConfig['broker'], ingest: Ingest, log: Logger): ExternalSubscriber {
  const state: ExternalState = { url: cfg.url, connected: false, lastError: null };
  const filters = subscriptionFilters(cfg.group);
  const sessionExpiryInterval = Math.round(parseDuration(cfg.sessionExpiry) / 1000);
  const base: IClientOptions = {
    protocolVersion: 5,
    properties: { sessionExpiryInterval },
    username: cfg.username || undefined,
    password: cfg.passwordFile ? readFileSync(cfg.passwordFile, 'utf8').trim() : undefined,
    ca: cfg.ca ? readFileSync(cfg.ca) : undefined,
    connectTimeout: 10_000,
  };
  /** Commits a message; false when the commit failed (no PUBACK then). */
  const commit: MessageHandler = async (topic, payload, clientId) => (await ingest.submit({ topic, payload, sender: null, clientId })).status !== 'failed';
  // A dead peer's session also holds its plain subscriptions: status and inventory reach this hub's own connection anyway.
  const commitTelemetry: MessageHandler = async (topic, payload, clientId) => parseTopic(topic)?.kind !== 'telemetry' || commit(topic, payload, clientId);
  const adopter = cfg.group && cfg.adoptPeers && sessionExpiryInterval > 0 ? new PeerAdopter(cfg.clientId, cfg.group, cfg.url, base, commitTelemetry, log) : null;
  const stateTopic = hubStateTopic(cfg.clientId);
  const client: MqttClient = mqtt.connect(cfg.url, {
    ...base,
    clientId: cfg.clientId,
    clean: false,
    reconnectPeriod: 1000,
    // Subscribed on every connect below; a resubscribe by mqtt.js would double it.
    resubscribe: false,
    ...(cfg.group ? { will: { topic: stateTopic, payload: hubStatePayload('offline', cfg.group), qos: 1, retain: true, properties: { willDelayInterval: WILL_DELAY_SECONDS } } } : {}),
    customHandleAcks(topic, message, _packet, done) {
      if (clientIdOfStateTopic(topic) !== null) {
        adopter?.onState(topic, message);
        return done(0);
      }
      void commit(topic, message, cfg.clientId).then((ok) => {
        if (ok) return done(0);
        // No PUBACK: the broker keeps the message and resends it on the next connection.
        client.stream.destroy();
      });
    },
  });
  client.on('connect', (connack) => {
    state.connected = true;
    state.lastError = null;
    log.info({ url: cfg.url, filters, sessionPresent: connack.sessionPresent }, 'connected to external broker');
    const all = cfg.group ? [...filters, HUB_STATE_FILTER] : filters;
    client.subscribe(all, { qos: 1 }, (err) => {
      if (err) log.error({ filters: all, err: err.message }, 'subscribe failed');
    });
    if (cfg.group) {
      client.publish(stateTopic, hubStatePayload('online', cfg.group), { qos: 1, retain: true }, (err) => {
        if (err) log.error({ topic: stateTopic, err: err.message }, 'cannot announce the hub online');
      });
    }
    adopter?.setSelfOnline(true);
  });
  /** Set by close(): the connection's end is the hub's own doing, neither lost nor reconnected (mqtt.js does not reconnect after end()). */
  let stopping = false;
  client.on('close', () => {
    if (state.connected && !stopping) log.warn({ url: cfg.url }, 'external broker connection lost; reconnecting');
    state.connected = false;
    adopter?.setSelfOnline(false);
  });
  client.on('error', (err) => {
    state.lastError = err.message;
    if (!stopping) log.warn({ url: cfg.url, err: err.message }, 'external broker error');
  });
  return {
    state,
    adopted: () => adopter?.adopted() ?? [],
    async close() {
      stopping = true;
      await adopter?.close();
      // 0x04, disconnect with Will: the group adopts this hub's share while it is away (after the Will delay).
      await client.endAsync(false, cfg.group ? { reasonCode: 4 } : {});
      log.info({ url: cfg.url }, 'disconnected from external broker');
    },
  };
}
