import type { Logger } from '../../shared/log.js';
import type { HubBus, ThresholdEvent } from '../bus.js';
import type { Fleet } from '../fleet/fleet.js';
import { EventRing, type StreamEvent } from './event-ring.js';
import { LiveFeed } from './live-feed.js';
import { powerSnapshot, type PowerSnapshot } from './power-snapshot.js';
import { SharedTickers } from './shared-ticker.js';
import { ThresholdMonitor } from './threshold-monitor.js';
import type { ThresholdsConfig } from './thresholds-config.js';

export interface PowerStreamsDeps {
  bus: HubBus;
  fleet: Fleet;
  log: Logger;
  thresholds: ThresholdsConfig;
  /** First event id (the hub's start time in ms: see EventRing). */
  firstEventId: number;
  /** Events kept for resuming. */
  ringSize?: number;
}

/** The SSE payload of a threshold event (seed 4.5 plus scope, name and metric). */
export function thresholdPayload(e: ThresholdEvent) {
  return {
    type: 'threshold_exceeded',
    message: e.message,
    current_value: e.currentValue,
    threshold: e.threshold,
    severity: e.severity,
    scope: e.scope,
    name: e.name,
    metric: e.metric,
    timestamp: new Date(e.ts).toISOString(),
  };
}

/** The interval of the live mode: a snapshot after each turn of the event loop that stored telemetry, not on a timer. */
export const LIVE = 0;

/**
 * The hub's power streams: shared per-interval tickers and the live feed
 * (interval 0) computing snapshots from the in-memory fleet view (for
 * WebSocket and SSE clients), the ring of recent SSE events, and the
 * threshold monitor. Created by the stream routes and stopped when the HTTP
 * server closes.
 */
export class PowerStreams {
  readonly ring: EventRing;
  readonly tickers: SharedTickers<PowerSnapshot>;
  readonly live: LiveFeed<PowerSnapshot>;
  private readonly monitor: ThresholdMonitor;
  /** interval ms -> [SSE clients, unsubscribe from the ticker] */
  private readonly sseFeeds = new Map<number, { clients: number; stop: () => void }>();
  private readonly onThreshold = (e: ThresholdEvent) => {
    this.ring.append({ event: 'threshold_exceeded', data: thresholdPayload(e) });
  };

  constructor(private readonly deps: PowerStreamsDeps) {
    this.ring = new EventRing(deps.ringSize ?? 1000, deps.firstEventId);
    const compute = (now: number) => powerSnapshot(deps.fleet, now);
    const onError = (err: unknown) => deps.log.error({ err: (err as Error).message }, 'power stream snapshot failed');
    this.tickers = new SharedTickers(compute, onError);
    this.live = new LiveFeed(
      (trigger) => {
        deps.bus.on('samples', trigger);
        return () => deps.bus.off('samples', trigger);
      },
      compute,
      onError,
    );
    this.monitor = new ThresholdMonitor(deps, deps.thresholds);
  }

  start(): void {
    this.deps.bus.on('threshold-exceeded', this.onThreshold);
    this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
    this.deps.bus.off('threshold-exceeded', this.onThreshold);
    this.tickers.stop();
    this.live.stop();
    this.sseFeeds.clear();
  }

  /** The power snapshot now (what every tick sends). */
  snapshot(now: number): PowerSnapshot {
    return powerSnapshot(this.deps.fleet, now);
  }

  /** WebSocket clients: a snapshot every `intervalMs`, or after each ingest turn for LIVE. */
  subscribeSnapshots(intervalMs: number, listener: (s: PowerSnapshot) => void): () => void {
    return intervalMs === LIVE ? this.live.subscribe(listener) : this.tickers.subscribe(intervalMs, listener);
  }

  /**
   * SSE clients: first the ring's events after `lastEventId` (when resuming),
   * then every new threshold event and the power updates of `intervalMs`.
   * Replay and subscription happen in one synchronous step, so no event
   * falls between them.
   */
  subscribeEvents(intervalMs: number, lastEventId: number | null, listener: (e: StreamEvent) => void): () => void {
    const mine = (e: StreamEvent) => e.event === 'threshold_exceeded' || e.intervalMs === intervalMs;
    if (lastEventId !== null) for (const e of this.ring.after(lastEventId, mine)) listener(e);
    const unsubscribe = this.ring.subscribe((e) => {
      if (mine(e)) listener(e);
    });
    this.joinFeed(intervalMs);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      unsubscribe();
      this.leaveFeed(intervalMs);
    };
  }

  /** One power_update per tick (or live snapshot) into the ring for all SSE clients of an interval (one id, one resume history). */
  private joinFeed(intervalMs: number): void {
    const feed = this.sseFeeds.get(intervalMs);
    if (feed) {
      feed.clients++;
      return;
    }
    const stop = this.subscribeSnapshots(intervalMs, (snapshot) => this.ring.append({ event: 'power_update', data: snapshot, intervalMs }));
    this.sseFeeds.set(intervalMs, { clients: 1, stop });
  }

  private leaveFeed(intervalMs: number): void {
    const feed = this.sseFeeds.get(intervalMs);
    if (!feed || --feed.clients > 0) return;
    feed.stop();
    this.sseFeeds.delete(intervalMs);
  }
}
