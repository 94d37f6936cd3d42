import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExpositionOptions } from '../../agent/metrics/families.js';
import type { Logger } from '../../shared/log.js';
import { withoutCredentials } from '../core/url-credentials.js';
import type { SecretStore } from '../identity/secrets.js';
import { CommittedLog } from './committed-log.js';
import type { RemoteWriteTarget } from './config.js';
import { httpSender, RemoteWriteQueue, type QueueStatus, type Sender } from './queue.js';
import { SeriesNames, type GpuFacts } from './series-names.js';

export interface RemoteWrite {
  /** For the tsdb's logHold: head-log records of `window` above this id are not sent yet. */
  hold(window: number): number;
  status(): QueueStatus[];
  stop(): Promise<void>;
}

export interface RemoteWriteDeps {
  /** tsdb.db, already opened (and migrated) by the hub's store. */
  tsdbFile: string;
  secrets: Pick<SecretStore, 'get'>;
  registry: Registry;
  logger: Logger;
  /**
   * The fleet's GPU facts (model, PCI bus id, driver) for dcgm-exporter's
   * labels (`names: dcgm|both`); null until the hub knows them (starting),
   * and such queues wait. Absent: no facts (those labels left out).
   */
  gpus?: () => GpuFacts | null;
  /** `metrics.legacyHostnameLabel` and the like: dcgm-named series are labelled as on the hub's /metrics. */
  exposition?: ExpositionOptions;
  /** Tests: a sender other than HTTP. */
  sender?: (target: RemoteWriteTarget) => Sender;
}

/** The Authorization header of a target, from the secrets its config names; a clear error when one is missing. */
function authorization(target: RemoteWriteTarget, index: number, secrets: RemoteWriteDeps['secrets']): string | undefined {
  const secret = (key: string, name: string) => {
    const value = secrets.get(name);
    if (value === null) throw new Error(`storage.remoteWrite[${index}].${key}: no secret named "${name}" in hub.db`);
    return value;
  };
  if (target.basicAuth && target.bearerTokenSecret) throw new Error(`storage.remoteWrite[${index}]: basicAuth and bearerTokenSecret exclude each other`);
  if (target.bearerTokenSecret) return `Bearer ${secret('bearerTokenSecret', target.bearerTokenSecret)}`;
  if (target.basicAuth) {
    const password = secret('basicAuth.passwordSecret', target.basicAuth.passwordSecret);
    return `Basic ${Buffer.from(`${target.basicAuth.username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/** Starts one queue per `storage.remoteWrite` target, and their figures on the hub's /metrics; null when none is configured. */
export function startRemoteWrite(targets: readonly RemoteWriteTarget[], deps: RemoteWriteDeps): RemoteWrite | null {
  if (targets.length === 0) return null;
  // A url's user:password must not reach /metrics or status.json.
  const names = targets.map((t) => t.name || withoutCredentials(t.url));
  if (new Set(names).size !== names.length) throw new Error('storage.remoteWrite: two targets have the same name (or url)');
  const senders = targets.map((t, i) => deps.sender?.(t) ?? httpSender(t, { authorization: authorization(t, i, deps.secrets) }));
  const log = new CommittedLog(deps.tsdbFile, names);
  const gpus = deps.gpus ?? (() => new Map());
  const queues = targets.map(
    (t, i) => new RemoteWriteQueue(names[i]!, t, { log, names: new SeriesNames(t.names, (id) => log.series(id), gpus, deps.exposition), send: senders[i]!, logger: deps.logger }),
  );
  registerMetrics(deps.registry, () => queues.map((q) => q.status()));
  for (const q of queues) q.start();
  let stopped = false;
  return {
    // Once stopped, the cursors cannot be read: a seal then keeps every record (the next start reads the cursors again).
    hold: (window) => (stopped ? 0 : log.hold(window)),
    status: () => queues.map((q) => q.status()),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(queues.map((q) => q.stop()));
      log.close();
    },
  };
}

/** Counters kept by the queues, read at scrape time. */
function registerMetrics(registry: Registry, statuses: () => QueueStatus[]): void {
  const labelNames = ['remote'] as const;
  new Gauge({
    name: 'kcloud_hub_remote_write_pending_samples',
    help: 'Samples committed by the hub and not yet sent to the remote-write receiver',
    labelNames,
    registers: [registry],
    collect() {
      for (const s of statuses()) this.set({ remote: s.name }, s.pendingSamples);
    },
  });
  new Gauge({
    name: 'kcloud_hub_remote_write_lag_seconds',
    help: 'Age of the oldest sample not yet sent to the remote-write receiver (0 when none is pending)',
    labelNames,
    registers: [registry],
    collect() {
      for (const s of statuses()) this.set({ remote: s.name }, s.lagSeconds);
    },
  });
  new Counter({
    name: 'kcloud_hub_remote_write_sent_samples_total',
    help: 'Samples the remote-write receiver accepted',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of statuses()) this.inc({ remote: s.name }, s.sent);
    },
  });
  new Counter({
    name: 'kcloud_hub_remote_write_failed_requests_total',
    help: 'Remote-write requests that failed (5xx, 429, network) and were retried',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of statuses()) this.inc({ remote: s.name }, s.failed);
    },
  });
  new Counter({
    name: 'kcloud_hub_remote_write_dropped_samples_total',
    help: 'Samples not sent, by cause: refused_<status> (invalid for the receiver), max_age, max_bytes',
    labelNames: ['remote', 'cause'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of statuses()) for (const [cause, n] of Object.entries(s.dropped)) this.inc({ remote: s.name, cause }, n);
    },
  });
}
