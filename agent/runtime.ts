import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { parseDuration } from '../shared/duration.js';
import type { Sample, SourceState } from '../shared/schema/message.js';
import { VERSION } from '../shared/version.js';
import { COLLECTORS } from './collectors/registry.js';
import type { Collector, CollectorSink } from './collectors/types.js';
import type { AgentConfig } from './config.js';
import { HistoryStore } from './history/store.js';
import { Inventory } from './inventory.js';
import { LatestValues } from './latest-values.js';
import { startMetricsServer } from './metrics/server.js';
import { Outbox } from './outbox/outbox.js';
import { Batcher } from './publish/batcher.js';
import { inventoryPayload, statusPayload, telemetryPayload } from './publish/messages.js';
import { Publisher } from './publish/publisher.js';
import { writeStateFile, type SourceStatus } from './state-file.js';

export interface RunningAgent {
  /** Stops collectors, commits and sends what is pending, publishes `offline` and closes the stores. */
  stop(): Promise<void>;
  /** Port of the node /metrics endpoint, or null when `metrics.listen` is empty. */
  metricsPort: number | null;
}

const STATE_EVERY_MS = 2000;
const SELF_SAMPLES_EVERY_MS = 10_000;
const STATUS_EVERY_MS = 30_000;
const LIMITS_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;
/** On stop, how long to wait for the PUBACKs of the last batches before leaving them in the outbox. */
const STOP_SETTLE_MS = 2000;

const off = (reason: string): SourceStatus => ({ enabled: false, reason, lastSampleTs: null, errors: 0, lastError: null });

/** Starts collectors, outbox, local history, publisher and /metrics; resolves once everything runs. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const { node, cluster, dataDir } = config;
  const origin = { cluster, node };
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const startedAt = Date.now();
  const outbox = Outbox.open(join(dataDir, 'outbox.db'), { maxBytes: config.outbox.maxBytes, maxAgeMs: parseDuration(config.outbox.maxAge) });
  const history = HistoryStore.open(join(dataDir, 'history.db'), { retentionMs: parseDuration(config.history.retention) });
  const latest = new LatestValues();
  const inventory = new Inventory();
  const sources: Record<string, SourceStatus> = {};

  const collectorErrors = () => Object.fromEntries(Object.entries(sources).map(([n, s]) => [n, s.errors]));
  const metricsDeps = {
    latest,
    inventory: () => inventory.merged(),
    node,
    cluster,
    self: () => {
      const st = outbox.stats();
      return { outboxDepth: st.depth, outboxBytes: st.bytes, dropped: st.dropped, collectorErrors: collectorErrors() };
    },
    options: { legacyHostnameLabel: config.metrics.legacyHostnameLabel, nodeExporterNames: config.metrics.nodeExporterNames },
  };
  // Started before the broker connection and the collectors, so a taken port fails the start cleanly.
  const metrics = config.metrics.listen
    ? await startMetricsServer(config.metrics.listen, metricsDeps).catch((err: Error) => {
        history.close();
        outbox.close();
        throw new Error(`metrics.listen ${config.metrics.listen}: ${err.message}`);
      })
    : null;

  const sourceStates = (): Record<string, SourceState> =>
    Object.fromEntries(Object.entries(sources).map(([n, s]) => [n, { enabled: s.enabled, reason: s.reason, lastSampleTs: s.lastSampleTs, errors: s.errors }]));
  const status = (state: 'online' | 'offline') =>
    statusPayload(origin, Date.now(), { state, agentVersion: VERSION, sources: sourceStates(), outbox: outbox.stats() });

  const publisher = new Publisher(
    outbox,
    { ...config.mqtt, cluster, node, offlineStatus: () => status('offline') },
    log.child({ component: 'publisher' }),
  );
  const publishStatus = () => void publisher.publishRetained('status', status('online'));
  const publishInventory = () => void publisher.publishRetained('inventory', inventoryPayload(origin, Date.now(), inventory.merged()));
  publisher.onConnected(() => {
    publishStatus();
    publishInventory();
  });
  // Source changes (a new failure) refresh the retained status, at most once a second.
  let statusSoon: NodeJS.Timeout | undefined;
  const sourcesChanged = () => {
    statusSoon ??= setTimeout(() => {
      statusSoon = undefined;
      publishStatus();
    }, 1000);
  };

  const batcher = new Batcher((samples) => {
    const ts = Date.now();
    outbox.enqueue(ts, (seq) => telemetryPayload(origin, seq, ts, samples, config.mqtt.payload));
    publisher.pump();
  });
  const accept = (samples: Sample[]) => {
    const now = Date.now();
    latest.update(samples, now);
    history.append(samples, now);
    batcher.add(samples);
  };

  const sinkFor = (name: string, s: SourceStatus): CollectorSink => ({
    samples(samples) {
      const now = Date.now();
      for (const sample of samples) sample.ts ??= now;
      s.lastSampleTs = now;
      accept(samples);
    },
    inventory(facts) {
      if (inventory.set(name, facts)) publishInventory();
    },
    error(err) {
      s.errors += 1;
      // A broken source fails the same way every run: log (and announce) each distinct failure once.
      if (s.lastError === err.message) return;
      s.lastError = err.message;
      log.warn({ collector: name, err: err.message }, 'collector run failed');
      sourcesChanged();
    },
  });

  const running: Collector[] = [];
  for (const entry of COLLECTORS) {
    const enabled = entry.enabled(config);
    if (enabled === false) {
      sources[entry.name] = off('disabled in config');
      continue;
    }
    if (enabled === 'auto' && entry.supersededBy && running.some((c) => c.name === entry.supersededBy)) {
      sources[entry.name] = off(`${entry.supersededBy} is active and publishes the same metrics`);
      continue;
    }
    const collector = entry.create(config, { log: log.child({ collector: entry.name }), latest });
    const detection = await collector.detect().catch((err: Error) => ({ available: false, reason: `detect failed: ${err.message}` }));
    if (!detection.available && enabled === 'auto') {
      sources[entry.name] = off(detection.reason);
      continue;
    }
    if (!detection.available) log.warn({ collector: entry.name, reason: detection.reason }, 'collector enabled in config but its source looks unavailable; starting anyway');
    const s: SourceStatus = { enabled: true, reason: detection.reason, lastSampleTs: null, errors: 0, lastError: null };
    sources[entry.name] = s;
    try {
      await collector.start(sinkFor(entry.name, s));
      running.push(collector);
    } catch (err) {
      sources[entry.name] = { ...off(`start failed: ${(err as Error).message}`), errors: 1, lastError: (err as Error).message };
      log.error({ collector: entry.name, err: (err as Error).message }, 'collector failed to start');
    }
  }
  const pick = (on: boolean) => Object.fromEntries(Object.entries(sources).filter(([, s]) => s.enabled === on).map(([n, s]) => [n, s.reason]));
  log.info({ node, cluster, version: VERSION, active: pick(true), off: pick(false) }, 'agent started');
  // A connect during the collector start-up announced a partial source list.
  publishStatus();

  // The agent's own health travels with the telemetry, so the hub sees a filling outbox too.
  const selfSamples = (): Sample[] => {
    const st = outbox.stats();
    const ts = Date.now();
    return [
      { metric: 'agent_outbox_depth', value: st.depth, ts },
      { metric: 'agent_outbox_bytes', value: st.bytes, ts },
      { metric: 'agent_outbox_dropped_total', value: st.dropped, ts },
      ...Object.entries(collectorErrors()).map(([collector, value]) => ({ metric: 'agent_collector_errors_total', labels: { collector }, value, ts })),
    ];
  };


  const writeState = () =>
    writeStateFile(dataDir, {
      pid: process.pid,
      startedAt,
      updatedAt: Date.now(),
      node,
      cluster,
      version: VERSION,
      broker: publisher.state,
      sources,
      outbox: outbox.stats(),
    });
  writeState();
  const timers = [
    setInterval(writeState, STATE_EVERY_MS),
    setInterval(() => accept(selfSamples()), SELF_SAMPLES_EVERY_MS),
    setInterval(publishStatus, STATUS_EVERY_MS),
    setInterval(() => {
      const dropped = outbox.enforceLimits(Date.now());
      if (dropped > 0) log.warn({ dropped }, 'outbox over its size or age bound: dropped the oldest batches');
    }, LIMITS_EVERY_MS),
    setInterval(() => {
      history.prune(Date.now());
      latest.prune(Date.now() - 10 * 60_000);
    }, PRUNE_EVERY_MS),
  ];

  let stopped: Promise<void> | undefined;
  return {
    metricsPort: metrics?.port ?? null,
    stop() {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        clearTimeout(statusSoon);
        // In parallel: each may take its children's kill bound, and systemd's TimeoutStopSec covers the whole stop.
        await Promise.all(running.map((c) => c.stop()));
        batcher.flush();
        await publisher.settle(STOP_SETTLE_MS);
        await publisher.close(status('offline'));
        await metrics?.close();
        writeState();
        history.close();
        outbox.close();
        log.info('agent stopped');
      })();
      return stopped;
    },
  };
}
