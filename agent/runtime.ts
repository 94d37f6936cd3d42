import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { parseDuration } from '../shared/duration.js';
import { MESSAGE_VERSION, type Sample, type StatusMessage } from '../shared/schema/message.js';
import { topicFor } from '../shared/topics.js';
import { VERSION } from '../shared/version.js';
import { Batcher } from './batcher.js';
import { COLLECTORS } from './collectors/registry.js';
import type { Collector, CollectorSink } from './collectors/types.js';
import type { AgentConfig } from './config.js';
import { HistoryStore } from './history/store.js';
import { LatestValues } from './latest-values.js';
import { startMetricsServer } from './metrics/server.js';
import { Outbox } from './outbox/outbox.js';
import { Publisher } from './publish/publisher.js';
import { writeStateFile, type SourceStatus } from './state-file.js';

export interface RunningAgent {
  stop(): Promise<void>;
  /** Port of the node /metrics endpoint, when enabled. */
  metricsPort: number | null;
}

/** Starts collectors, outbox, local history, publisher and /metrics; resolves once everything runs. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const { node, cluster, dataDir } = config;
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const startedAt = Date.now();
  const outbox = new Outbox(join(dataDir, 'outbox.db'), {
    maxBytes: config.outbox.maxBytes,
    maxAgeMs: parseDuration(config.outbox.maxAge),
  });
  const history = HistoryStore.open(join(dataDir, 'history.db'), { retentionMs: parseDuration(config.history.retention) });
  const latest = new LatestValues();
  const inventory: Record<string, unknown> = {};
  const sources: Record<string, SourceStatus> = {};

  const statusMessage = (state: 'online' | 'offline'): Buffer => {
    const { depth, bytes, dropped } = outbox.stats();
    const msg: StatusMessage = {
      v: MESSAGE_VERSION,
      cluster,
      node,
      ts: Date.now(),
      state,
      agentVersion: VERSION,
      sources: Object.fromEntries(
        Object.entries(sources).map(([name, s]) => [name, { enabled: s.enabled, reason: s.reason, lastSampleTs: s.lastSampleTs, errors: s.errors }]),
      ),
      outbox: { depth, bytes, dropped },
    };
    return Buffer.from(JSON.stringify(msg));
  };
  const inventoryMessage = (): Buffer =>
    Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster, node, ts: Date.now(), inventory }));

  const publisher = new Publisher(
    outbox,
    {
      url: config.mqtt.url,
      username: config.mqtt.username,
      passwordFile: config.mqtt.passwordFile,
      ca: config.mqtt.ca,
      cluster,
      node,
      replayRate: config.mqtt.replayRate,
      offlineStatus: () => statusMessage('offline'),
    },
    log,
  );
  const publishStatus = () => void publisher.publishRetained(topicFor(cluster, node, 'status'), statusMessage('online'));
  const publishInventory = () => void publisher.publishRetained(topicFor(cluster, node, 'inventory'), inventoryMessage());
  publisher.onConnected(() => {
    publishStatus();
    publishInventory();
  });

  const batcher = new Batcher((samples) => {
    const ts = Date.now();
    outbox.enqueue(ts, (seq) => Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster, node, seq, ts, samples })));
    publisher.pump();
  });

  const accept = (samples: Sample[]) => {
    const now = Date.now();
    latest.update(samples, now);
    history.append(samples, now);
    batcher.add(samples);
  };

  const sinkFor = (name: string): CollectorSink => ({
    samples(samples) {
      const now = Date.now();
      for (const s of samples) s.ts ??= now;
      sources[name]!.lastSampleTs = now;
      accept(samples);
    },
    inventory(facts) {
      const changed = Object.entries(facts).some(([k, v]) => JSON.stringify(inventory[k]) !== JSON.stringify(v));
      if (!changed) return;
      Object.assign(inventory, facts);
      publishInventory();
    },
    error(err) {
      const s = sources[name]!;
      s.errors += 1;
      // A broken source fails the same way every second: log each distinct failure once.
      if (s.lastError !== err.message) log.warn({ collector: name, err: err.message }, 'collector run failed');
      s.lastError = err.message;
    },
  });

  const running: Collector[] = [];
  for (const entry of COLLECTORS) {
    const enabled = entry.enabled(config);
    if (enabled === false) {
      sources[entry.name] = { enabled: false, reason: 'disabled in config', lastSampleTs: null, errors: 0, lastError: null };
      continue;
    }
    const collector = entry.create(config, { log: log.child({ collector: entry.name }), latest });
    const detection = await collector.detect();
    if (!detection.available && enabled === 'auto') {
      sources[entry.name] = { enabled: false, reason: detection.reason, lastSampleTs: null, errors: 0, lastError: null };
      continue;
    }
    if (!detection.available) log.warn({ collector: entry.name, reason: detection.reason }, 'collector enabled in config but its source looks unavailable; starting anyway');
    sources[entry.name] = { enabled: true, reason: detection.reason, lastSampleTs: null, errors: 0, lastError: null };
    await collector.start(sinkFor(entry.name));
    running.push(collector);
  }
  log.info(
    {
      node,
      cluster,
      active: Object.fromEntries(Object.entries(sources).filter(([, s]) => s.enabled).map(([n, s]) => [n, s.reason])),
      off: Object.fromEntries(Object.entries(sources).filter(([, s]) => !s.enabled).map(([n, s]) => [n, s.reason])),
    },
    'agent started',
  );

  const collectorErrors = () => Object.fromEntries(Object.entries(sources).map(([n, s]) => [n, s.errors]));
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

  const metrics = config.metrics.listen
    ? await startMetricsServer(config.metrics.listen, {
        latest,
        inventory: () => inventory,
        node,
        cluster,
      })
    : null;

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
    setInterval(writeState, 2000),
    setInterval(() => accept(selfSamples()), 10_000),
    setInterval(publishStatus, 30_000),
    setInterval(() => {
      const dropped = outbox.enforceLimits(Date.now());
      if (dropped > 0) log.warn({ dropped }, 'outbox full or too old: dropped the oldest batches');
    }, 60_000),
    setInterval(() => {
      history.prune(Date.now());
      latest.prune(Date.now() - 10 * 60_000);
    }, 3_600_000),
  ];

  return {
    metricsPort: metrics?.port ?? null,
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const c of running) await c.stop();
      batcher.flush();
      await publisher.close(statusMessage('offline'));
      await metrics?.close();
      writeState();
      history.close();
      outbox.close();
      log.info('agent stopped');
    },
  };
}
