import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { topicFor, type TopicKind } from '../../shared/topics.js';
import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { clientOptions, type BrokerOptions } from './client-options.js';
import { SendOrder } from './send-order.js';

export interface PublisherOptions extends BrokerOptions {
  /** Backlog batches per second replayed after an outage (live batches are not limited). */
  replayRate: number;
  /** Batches awaiting PUBACK at once. */
  window?: number;
  /** Payload of the retained `offline` status; set as the Last Will and refreshed before every reconnect. */
  offlineStatus: () => Buffer;
}

export interface BrokerState {
  url: string;
  connected: boolean;
  lastConnectedAt: number | null;
  lastError: string | null;
}

/** Reconnect delays: mqtt.js waits a fixed period, so the publisher doubles it after each failed try. */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15_000;
/** How long `close()` waits for the PUBACK of the final status. */
const CLOSE_WAIT_MS = 3000;

/**
 * Sends outbox batches with QoS 1 and deletes each only in its PUBACK
 * callback. At most `window` batches are in flight; the order (live first,
 * backlog at `replayRate`) is SendOrder's. Each (re)connect sends the whole
 * outbox again from the start: a batch in flight when the link dropped may
 * reach the hub twice, which the hub's (node, seq) dedup absorbs; losing one
 * is not acceptable.
 */
export class Publisher {
  private readonly client: MqttClient;
  private readonly window: number;
  private readonly order: SendOrder;
  private readonly telemetryTopic: string;
  private readonly connectHooks: (() => void)[] = [];
  private inflight = new Set<number>();
  private pumpTimer: NodeJS.Timeout | undefined;
  private reconnectMs = RECONNECT_MIN_MS;
  private closed = false;
  readonly state: BrokerState;

  constructor(
    private readonly outbox: Outbox,
    private readonly opts: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.window = opts.window ?? 32;
    this.order = new SendOrder(outbox, opts.replayRate);
    this.telemetryTopic = topicFor(opts.cluster, opts.node, 'telemetry');
    this.state = { url: opts.url, connected: false, lastConnectedAt: null, lastError: null };
    this.client = mqtt.connect(opts.url, clientOptions(opts, opts.offlineStatus()));
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('error', (err) => {
      // A broker that is down fails the same way every few seconds: warn once per distinct error.
      if (this.state.lastError !== err.message) this.log.warn({ err: err.message, url: opts.url }, 'mqtt error');
      this.state.lastError = err.message;
    });
  }

  /** Runs `fn` on every (re)connect, before any telemetry is sent on it (status, inventory). */
  onConnected(fn: () => void): void {
    this.connectHooks.push(fn);
  }

  private onConnect(): void {
    // Callbacks of the previous connection's publishes still ack their rows, but no longer hold window slots.
    this.inflight = new Set();
    this.order.restart();
    this.reconnectMs = RECONNECT_MIN_MS;
    this.client.options.reconnectPeriod = RECONNECT_MIN_MS;
    Object.assign(this.state, { connected: true, lastConnectedAt: Date.now(), lastError: null });
    const backlog = this.outbox.stats().depth;
    this.log.info({ url: this.opts.url, backlog }, backlog > 0 ? 'connected to broker; replaying backlog' : 'connected to broker');
    for (const fn of this.connectHooks) fn();
    this.pump();
  }

  private onClose(): void {
    if (this.state.connected) this.log.warn({ url: this.opts.url }, 'broker connection lost; batches stay in the outbox');
    this.state.connected = false;
    if (this.closed) return;
    // mqtt.js has already scheduled the next try; this sets the one after it.
    this.reconnectMs = Math.min(RECONNECT_MAX_MS, this.reconnectMs * 2);
    this.client.options.reconnectPeriod = Math.round(this.reconnectMs * (0.8 + Math.random() * 0.4));
    // The Last Will registered with the next CONNECT carries current outbox figures.
    if (this.client.options.will) this.client.options.will.payload = this.opts.offlineStatus();
  }

  /** Publishes a retained QoS 1 message on this node's `kind` topic; false when offline or refused. */
  publishRetained(kind: TopicKind, payload: Buffer): Promise<boolean> {
    if (!this.client.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.client.publish(topicFor(this.opts.cluster, this.opts.node, kind), payload, { qos: 1, retain: true }, (err) => resolve(!err));
    });
  }

  /** Sends what the window and the replay rate allow; called on new batches, PUBACKs and connects. */
  pump(): void {
    if (this.closed || !this.client.connected) return;
    while (this.inflight.size < this.window) {
      const next = this.order.next();
      if (!next) return;
      if ('waitMs' in next) {
        this.schedulePump(next.waitMs);
        return;
      }
      this.send(next.row);
    }
  }

  private schedulePump(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  private send(row: OutboxRow): void {
    const inflight = this.inflight;
    inflight.add(row.seq);
    this.client.publish(this.telemetryTopic, row.payload, { qos: 1 }, (err) => {
      // The callback runs on PUBACK (or with an error when the connection is gone): only then is the row deleted.
      if (!err) this.outbox.ack(row.seq);
      else if (!this.closed) this.log.debug({ seq: row.seq, err: err.message }, 'publish failed; the batch stays in the outbox');
      if (inflight !== this.inflight) return;
      inflight.delete(row.seq);
      this.pump();
    });
  }

  /** Resolves once no batch awaits a PUBACK, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.client.connected && this.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Publishes `finalStatus` (retained) when connected, then disconnects; what is unacked stays in the outbox. */
  async close(finalStatus?: Buffer): Promise<void> {
    if (finalStatus) await withTimeout(this.publishRetained('status', finalStatus), CLOSE_WAIT_MS);
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    // A plain end() would wait for every PUBACK still owed, without limit; with some owed, force it (the
    // broker then publishes the Last Will, which says offline too). Unacked batches stay in the outbox.
    const owed = Object.keys(this.client.outgoing).length > 0;
    await this.client.endAsync(owed || !this.client.connected);
  }
}

/** The promise's outcome, or false when it takes longer than `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return (await Promise.race([p.then(() => true), timeout])) !== false;
  } finally {
    clearTimeout(timer);
  }
}
