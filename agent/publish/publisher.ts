import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { topicFor } from '../../shared/topics.js';
import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { TokenBucket } from './token-bucket.js';

export interface PublisherOptions {
  url: string;
  username?: string;
  passwordFile?: string;
  ca?: string;
  cluster: string;
  node: string;
  /** Backlog batches per second replayed after an outage. */
  replayRate: number;
  /** Batches awaiting PUBACK at once. */
  window?: number;
  /** Payload of the retained `offline` status, set as the Last Will. */
  offlineStatus: () => Buffer;
}

export interface BrokerState {
  url: string;
  connected: boolean;
  lastConnectedAt: number | null;
  lastError: string | null;
}

/**
 * Sends outbox batches with QoS 1 and deletes each only on its PUBACK.
 *
 * After a reconnect the batches committed from then on ("live", seq at or
 * above the watermark taken at connect time) go first; the backlog drains
 * oldest-first at `replayRate` batches/s beside them, so dashboards see fresh
 * data while the gap is filled. A batch may be sent twice (a PUBACK lost with
 * the connection); the hub stores a (node, seq) once, so that costs nothing.
 */
export class Publisher {
  private readonly client: MqttClient;
  private readonly window: number;
  private readonly bucket: TokenBucket;
  private readonly inflight = new Set<number>();
  private generation = 0;
  private watermark = 0;
  private liveCursor = 0;
  private backlogCursor = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly state: BrokerState;

  constructor(
    private readonly outbox: Outbox,
    private readonly opts: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.window = opts.window ?? 32;
    this.bucket = new TokenBucket(opts.replayRate, Math.max(1, opts.replayRate));
    this.state = { url: opts.url, connected: false, lastConnectedAt: null, lastError: null };
    this.client = mqtt.connect(opts.url, this.clientOptions());
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('error', (err) => {
      this.state.lastError = err.message;
      this.log.warn({ err: err.message, url: opts.url }, 'mqtt error');
    });
  }

  private clientOptions(): IClientOptions {
    const o = this.opts;
    return {
      clientId: `kcloud-agent-${o.cluster}-${o.node}`,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      username: o.username || undefined,
      password: o.passwordFile ? readFileSync(o.passwordFile, 'utf8').trim() : undefined,
      ca: o.ca ? readFileSync(o.ca) : undefined,
      // Nothing is queued inside mqtt.js while offline: the outbox is the queue.
      queueQoSZero: false,
      will: { topic: topicFor(o.cluster, o.node, 'status'), payload: o.offlineStatus(), qos: 1, retain: true },
    };
  }

  private onConnect(): void {
    this.generation += 1;
    this.inflight.clear();
    this.watermark = this.outbox.nextSeq();
    this.liveCursor = this.watermark - 1;
    this.backlogCursor = 0;
    this.state.connected = true;
    this.state.lastConnectedAt = Date.now();
    this.state.lastError = null;
    const backlog = this.outbox.stats().depth;
    this.log.info({ url: this.opts.url, backlog }, backlog > 0 ? 'connected to broker; replaying backlog' : 'connected to broker');
    this.pump();
  }

  private onClose(): void {
    if (this.state.connected) this.log.warn({ url: this.opts.url }, 'broker connection lost; batches stay in the outbox');
    this.state.connected = false;
  }

  /** Publishes a retained message (status, inventory) when connected; false when offline. */
  publishRetained(topic: string, payload: Buffer): Promise<boolean> {
    if (!this.client.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.client.publish(topic, payload, { qos: 1, retain: true }, (err) => resolve(!err));
    });
  }

  onConnected(fn: () => void): void {
    this.client.on('connect', fn);
  }

  /** Sends what the window and the replay rate allow; called on new batches, acks and reconnects. */
  pump(): void {
    if (this.closed || !this.client.connected) return;
    while (this.inflight.size < this.window) {
      const live = this.outbox.after(this.liveCursor, 1)[0];
      if (live) {
        this.liveCursor = live.seq;
        this.send(live);
        continue;
      }
      const old = this.outbox.after(this.backlogCursor, 1)[0];
      if (!old || old.seq >= this.watermark) break;
      if (!this.bucket.take()) {
        this.schedulePump(this.bucket.waitMs());
        break;
      }
      this.backlogCursor = old.seq;
      this.send(old);
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
    const generation = this.generation;
    this.inflight.add(row.seq);
    const topic = topicFor(this.opts.cluster, this.opts.node, 'telemetry');
    this.client.publish(topic, row.payload, { qos: 1 }, (err) => {
      if (!err) this.outbox.ack(row.seq);
      // A callback from before a reconnect: that batch is re-sent by the new connection's pass.
      if (generation !== this.generation) return;
      this.inflight.delete(row.seq);
      if (err && !this.closed) this.log.debug({ seq: row.seq, err: err.message }, 'publish failed; will retry');
      this.pump();
    });
  }

  /** Publishes `finalStatus` (retained) if connected, then disconnects. */
  async close(finalStatus?: Buffer): Promise<void> {
    if (finalStatus) await this.publishRetained(topicFor(this.opts.cluster, this.opts.node, 'status'), finalStatus);
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    await this.client.endAsync();
  }
}
