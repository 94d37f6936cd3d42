import { Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import { parseDuration } from '../shared/duration.js';
import { limitRepeats } from '../shared/limit-repeats.js';
import { VERSION } from '../shared/version.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded.js';
import { startExternalSubscriber, type ExternalSubscriber } from './broker/external.js';
import { HubBus } from './bus.js';
import type { HubConfig } from './config.js';
import { openHubDb } from './core/db.js';
import { hubFiles, prepareDataDir } from './core/paths.js';
import { tsdbOptions } from './core/store-options.js';
import { writeHubState, type HubState } from './core/status-file.js';
import { Authenticator } from './identity/authenticator.js';
import { createLogins } from './identity/logins.js';
import { keyring, SecretStore } from './identity/secrets.js';
import { ensureAdmin } from './identity/bootstrap.js';
import { AuditLog } from './audit/audit-log.js';
import { buildApiServer, listenApi } from './api/server.js';
import { openFleet } from './fleet/fleet.js';
import type { KubernetesDirectory } from './integrations/kubernetes/kube-directory.js';
import { startLocalAgent } from './local-agent.js';
import { NodeStore } from './identity/nodes.js';
import { revocationsOf } from './identity/revocations.js';
import { NotificationService } from './notifications/service.js';
import { WorkspaceStore } from './workspaces/workspace-store.js';
import { UserStore } from './identity/users.js';
import { IngestCounters } from './ingest/counters.js';
import { SeqLedger } from './ingest/dedupe.js';
import { ingestLimits } from './ingest/limits-config.js';
import { Ingest } from './ingest/pipeline.js';
import { startCheckpointer } from './core/wal-checkpointer.js';
import { openTsdb } from './tsdb/store.js';
import { remoteReaderFor, type RemoteReader } from './remote-read/remote-read.js';
import { startRemoteWrite, type RemoteWrite } from './remote-write/remote-write.js';
import { fleetGpuFacts, type GpuFacts } from './remote-write/series-names.js';

export interface RunningHub {
  bus: HubBus;
  counters: IngestCounters;
  /** The hub's prom-client registry (the API serves it on /metrics). */
  registry: Registry;
  /** Embedded broker ports (null in external mode). */
  ports: EmbeddedBroker['ports'] | null;
  /** Ports the HTTP APIs listen on (http.port first); empty when http.port is -1. */
  httpPorts: number[];
  /** Writes status.json now (also done every 2 s). */
  writeState(): Promise<void>;
  /** Runs the store maintenance (seal, retention, vacuum, dedupe-ledger prune) now, as the 60 s timer does; joins a run in progress. */
  maintain(): Promise<void>;
  /** Graceful stop: stop accepting, commit what is queued, disconnect, close the stores. */
  stop(): Promise<void>;
}

const STATE_EVERY_MS = 2000;
const MAINTENANCE_EVERY_MS = 60_000;

/**
 * How often the WALs of tsdb.db and hub.db are checkpointed
 * (hub/core/wal-checkpointer.ts): at 100 000 samples a second the head log adds
 * ~600 pages a second, so the WAL stays near SQLite's own threshold of
 * 1 000 pages.
 */
const CHECKPOINT_INTERVAL_MS = 1000;

/** Starts the hub: stores, admin bootstrap, ingest, broker, periodic seal/retention and status.json. */
export async function startHub(config: HubConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<RunningHub> {
  const startedAt = Date.now();
  prepareDataDir(config.dataDir, (message) => log.warn({ dataDir: config.dataDir }, message));
  const files = hubFiles(config.dataDir);
  const db = openHubDb(files.db, { lockTimeoutMs: parseDuration(config.storage.lockTimeout) });
  // Kubeconfigs (files, or rows of the secrets box) are read next: a bad one stops the hub before anything else is opened.
  let kubernetes: KubernetesDirectory | undefined;
  try {
    // `@kubernetes/client-node` (~27 MB of heap, ~60 MB of RSS) is loaded only when a cluster is configured.
    if (config.kubernetes.clusters.length > 0) {
      const [{ KubernetesDirectory }, { watchedClusters }] = await Promise.all([import('./integrations/kubernetes/kube-directory.js'), import('./integrations/kubernetes/kubeconfig-source.js')]);
      kubernetes = new KubernetesDirectory(watchedClusters(config.kubernetes, new SecretStore(db, keyring(config.dataDir, env))), log.child({ part: 'kubernetes' }));
    }
  } catch (err) {
    db.close();
    throw err;
  }
  const admin = await ensureAdmin(db, config.dataDir, env);
  if (admin?.generated) {
    // Printed once, to the terminal or journal of the first start; never logged by pino.
    process.stderr.write(`kcloud-hub: created user "admin" with password ${admin.generated}\n  (also written to ${admin.passwordFile}, mode 0600; change it with: kcloud-hub user passwd admin)\n`);
  } else if (admin) {
    log.info('created user "admin" with the password from KCLOUD_ADMIN_PASSWORD');
  }

  const rawRetentionMs = parseDuration(config.retention.raw);
  // Set just below, before any maintenance can run: head-log records its queues have not sent outlive their seal.
  let remoteWrite: RemoteWrite | null = null;
  let remoteRead: RemoteReader | null;
  // WAL checkpoints (a copy and an fsync, tens of ms) on worker threads, not in an ingest commit or a seal step:
  // both files take a commit per group of telemetry batches (samples; seqs and node state).
  const tsdb = openTsdb(files.tsdb, { ...tsdbOptions(config), logHold: (w) => remoteWrite?.hold(w) ?? Infinity, checkpointWorker: { intervalMs: CHECKPOINT_INTERVAL_MS, log: log.child({ part: 'tsdb' }) } });
  const hubDbCheckpoints = startCheckpointer(db, files.db, { intervalMs: CHECKPOINT_INTERVAL_MS, log: log.child({ part: 'hub-db' }) });
  const closeStores = () => {
    tsdb.close();
    void hubDbCheckpoints.stop();
    db.close();
  };
  const registry = new Registry();
  let fleetGpus: (() => GpuFacts) | null = null;
  try {
    remoteRead = remoteReaderFor(config, new SecretStore(db, keyring(config.dataDir, env)));
    remoteWrite = startRemoteWrite(config.storage.remoteWrite, {
      tsdbFile: files.tsdb,
      secrets: new SecretStore(db, keyring(config.dataDir, env)),
      registry,
      logger: limitRepeats(log.child({ part: 'remote-write' })),
      // dcgm-exporter labels of GPU series (names: dcgm|both): facts of the fleet opened below; its queues wait until then.
      gpus: () => fleetGpus?.() ?? null,
      exposition: config.metrics,
    });
  } catch (err) {
    closeStores();
    throw err;
  }
  const counters = new IngestCounters(registry);
  const bus = new HubBus();
  const external = config.broker.mode === 'external';
  const ledger = new SeqLedger(db);
  const ingest = new Ingest({
    db,
    writer: tsdb,
    ledger,
    bus,
    counters,
    // Repeated warn/error lines (refused connections, failed commits under attack) rate-limited, the rest counted.
    log: limitRepeats(log.child({ part: 'ingest' })),
    // mqtt.js hands over one message at a time: waiting for more would only add latency.
    groupCommitMs: external ? 0 : parseDuration(config.ingest.groupCommit),
    maxGroup: config.ingest.maxGroup,
    limits: ingestLimits(config),
  });

  const logins = createLogins(db, config.auth, new SecretStore(db, keyring(config.dataDir, env)), registry, log.child({ part: 'logins' }));
  // Timed once so refusals are padded to a real check's duration from the first one on.
  logins.guard.calibrate().catch((err: Error) => log.warn({ err: err.message }, 'cannot time a password check'));
  const nodes = new NodeStore(db, logins.nodeKey);
  const users = new UserStore(db);
  const auth = new Authenticator(nodes, users, parseDuration(config.broker.authCacheTtl), Date.now, { checker: logins.guard, nodeKey: logins.nodeKey });
  const fleet = openFleet(db, tsdb, bus, parseDuration(config.api.staleAfter));
  fleetGpus = fleetGpuFacts(() => fleet.nodes.list());
  // Listening before the broker starts: the first statuses set the baselines (hub/notifications/generator.ts).
  const notifications = new NotificationService(db, bus, log.child({ part: 'notifications' }), {
    repeatAfterMs: parseDuration(config.notifications.repeatAfter),
    perNodeAndKind: config.notifications.perNodeAndKind,
    windowMs: parseDuration(config.notifications.window),
  });
  notifications.start();
  let embedded: EmbeddedBroker | null = null;
  let subscriber: ExternalSubscriber | null = null;
  try {
    if (external) {
      subscriber = startExternalSubscriber(config.broker, ingest, log.child({ part: 'broker' }));
    } else {
      embedded = await startEmbeddedBroker({ config: config.broker, auth, logins: logins.guard, revocations: revocationsOf(db), ingest, log: limitRepeats(log.child({ part: 'broker' })), registry });
    }
  } catch (err) {
    fleet.close();
    await remoteWrite?.stop();
    closeStores();
    throw err;
  }

  // Sealing, retention and vacuum run in bounded steps that give the event loop back every few ms (hub/tsdb/steps.ts),
  // so MQTT acknowledgements, APIs and streams go on meanwhile; stop() aborts a run between two steps.
  const maintenanceAbort = new AbortController();
  let maintenance: Promise<void> | null = null;
  const maintain = (): Promise<void> => {
    // A run that outlasts the period (a large hourly seal on a slow disk) is not joined by a second one.
    maintenance ??= (async () => {
      const now = Date.now();
      try {
        await tsdb.maintain(now, maintenanceAbort.signal);
        ledger.prune(now - rawRetentionMs);
      } catch (err) {
        if (!maintenanceAbort.signal.aborted) log.error({ err: (err as Error).message }, 'store maintenance failed');
      } finally {
        maintenance = null;
      }
    })();
    return maintenance;
  };
  const hubState = async (): Promise<HubState> => ({
      pid: process.pid,
      startedAt,
      updatedAt: Date.now(),
      version: VERSION,
      broker: embedded
        ? { mode: 'embedded', ports: embedded.ports, clients: embedded.clients() }
        : { mode: 'external', ...subscriber!.state, adopted: subscriber!.adopted() },
      ingest: await counters.snapshot(),
      store: tsdb.stats(),
      ...(remoteWrite ? { remoteWrite: remoteWrite.status() } : {}),
  });
  const writeState = async () => writeHubState(config.dataDir, await hubState());
  let api: Awaited<ReturnType<typeof buildApiServer>> | null = null;
  let http: Awaited<ReturnType<typeof listenApi>> | null = null;
  let localAgent: Awaited<ReturnType<typeof startLocalAgent>> | null = null;
  try {
    await writeState();
    if (config.localAgent.enabled && !embedded) throw new Error('localAgent needs the embedded broker (broker.mode: embedded)');
    // Watches (not polling) on each cluster's pods and nodes: GPU processes' pod UIDs get names, nodes their roles.
    kubernetes?.start();
    api = config.http.port < 0 ? null : await buildApiServer({ config, log: log.child({ part: 'api' }), db, tsdb, bus, fleet, registry, counters, audit: new AuditLog(db), authenticator: auth, logins, users, nodes, workspaces: new WorkspaceStore(db), notifications, hubState, startedAt, kubernetes, remoteRead: remoteRead ?? undefined });
    http = api ? await listenApi(api, { config }) : null;
    localAgent = config.localAgent.enabled
      ? await startLocalAgent({ nodes, dataDir: config.dataDir, mqttPort: embedded!.ports.mqtt, agentConfig: config.localAgent.config, log: log.child({ part: 'local-agent' }) })
      : null;
  } catch (err) {
    // A start that fails half way (a port in use, a bad integration setting) leaves nothing running behind it: in-process callers (tests, embedders) go on.
    if (http) await http.close();
    else await api?.close();
    await kubernetes?.stop();
    await embedded?.close();
    await subscriber?.close();
    notifications.stop();
    await remoteWrite?.stop();
    fleet.close();
    closeStores();
    throw err;
  }
  const timers = [
    setInterval(() => void maintain(), MAINTENANCE_EVERY_MS),
    setInterval(() => writeState().catch((err: Error) => log.warn({ err: err.message }, 'cannot write status.json')), STATE_EVERY_MS),
  ];
  log.info({ dataDir: config.dataDir, broker: config.broker.mode, http: http?.ports ?? [], version: VERSION }, 'hub started');

  let stopped: Promise<void> | null = null;
  return {
    bus,
    counters,
    registry,
    ports: embedded?.ports ?? null,
    httpPorts: http?.ports ?? [],
    writeState,
    maintain,
    stop() {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        maintenanceAbort.abort();
        // The agent first: its last batch and offline status still reach the broker.
        await localAgent?.stop();
        await http?.close();
        embedded?.stopAccepting();
        // Commits what waits for the group window; its PUBACKs go out before the clients are closed.
        ingest.flush();
        await new Promise((r) => setImmediate(r));
        await embedded?.close();
        await subscriber?.close();
        ingest.flush();
        notifications.stop();
        await kubernetes?.stop();
        await writeState();
        await maintenance;
        await remoteWrite?.stop();
        fleet.close();
        closeStores();
        log.info('hub stopped');
      })();
      return stopped;
    },
  };
}
