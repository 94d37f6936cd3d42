import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { TOPIC_KINDS, TOPIC_ROOT } from '../../shared/topics.js';
import type { HubConfig } from '../config.js';
import type { Ingest } from '../ingest/pipeline.js';

export interface ExternalState {
  url: string;
  connected: boolean;
  lastError: string | null;
}

export interface ExternalSubscriber {
  state: ExternalState;
  /** Stops taking messages; unacknowledged ones stay queued at the broker for the next start. */
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
 * message (several hubs in one group split the load).
 */
export function startExternalSubscriber(cfg: HubConfig['broker'], ingest: Ingest, log: Logger): ExternalSubscriber {
  const state: ExternalState = { url: cfg.url, connected: false, lastError: null };
  const filters = subscriptionFilters(cfg.group);
  const client: MqttClient = mqtt.connect(cfg.url, {
    protocolVersion: 5,
    clientId: cfg.clientId,
    clean: false,
    properties: { sessionExpiryInterval: Math.round(parseDuration(cfg.sessionExpiry) / 1000) },
    username: cfg.username || undefined,
    password: cfg.passwordFile ? readFileSync(cfg.passwordFile, 'utf8').trim() : undefined,
    ca: cfg.ca ? readFileSync(cfg.ca) : undefined,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // Subscribed on every connect below; a resubscribe by mqtt.js would double it.
    resubscribe: false,
    customHandleAcks(topic, message, _packet, done) {
      void ingest.submit({ topic, payload: message, sender: null, clientId: cfg.clientId }).then((outcome) => {
        if (outcome.status !== 'failed') return done(0);
        // No PUBACK: the broker keeps the message and resends it on the next connection.
        client.stream.destroy();
      });
    },
  });
  client.on('connect', (connack) => {
    state.connected = true;
    state.lastError = null;
    log.info({ url: cfg.url, filters, sessionPresent: connack.sessionPresent }, 'connected to external broker');
    client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) log.error({ filters, err: err.message }, 'subscribe failed');
    });
  });
  client.on('close', () => {
    if (state.connected) log.warn({ url: cfg.url }, 'external broker connection lost; reconnecting');
    state.connected = false;
  });
  client.on('error', (err) => {
    state.lastError = err.message;
    log.warn({ url: cfg.url, err: err.message }, 'external broker error');
  });
  return {
    state,
    async close() {
      await client.endAsync();
    },
  };
}
