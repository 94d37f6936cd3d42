import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '../shared/config/load.js';
import { MAX_PAYLOAD_BYTES } from '../shared/schema/message.js';
import { AuthConfigSchema } from './api/auth/config.js';
import { ConsoleConfigSchema } from './api/console/config.js';
import { MetricsConfigSchema } from './api/metrics/config.js';
import { ClustersConfigSchema } from './clusters/config.js';
import { CloudsConfigSchema } from './integrations/clouds/config.js';
import { KubernetesConfigSchema } from './integrations/kubernetes/config.js';
import { EcpConfigSchema } from './integrations/kubernetes/ecp-config.js';
import { ProxmoxConfigSchema } from './integrations/proxmox/config.js';
import { PveManagerConfigSchema } from './pve-manager/config.js';
import { RemoteReadSchema } from './remote-read/config.js';
import { RemoteWriteConfigSchema } from './remote-write/config.js';
import { ThresholdsConfigSchema } from './streams/thresholds-config.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/** The hub's configuration file (YAML); every key overridable by `KCLOUD_HUB_<PATH>`. Documented in docs/hub.md. */
export const HubConfigSchema = Type.Object({
  dataDir: Type.String({ default: './data', minLength: 1 }),
  log: Type.Object(
    {
      level: Type.Union(['trace', 'debug', 'info', 'warn', 'error'].map((l) => Type.Literal(l)), { default: 'info' }),
      pretty: Type.Boolean({ default: false }),
      /** The newest log lines kept in memory, secrets masked, for GET /api/system/logs: the oldest go beyond either bound. */
      ring: Type.Object(
        {
          maxLines: Type.Integer({ default: 2000, minimum: 1, maximum: 100_000 }),
          maxBytes: Type.Integer({ default: 1024 * 1024, minimum: 4096, maximum: 64 * 1024 * 1024 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  broker: Type.Object(
    {
      mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded' }),
      // embedded: where aedes listens
      host: Type.String({ default: '0.0.0.0' }),
      port: Type.Integer({ default: 1883, minimum: 0, maximum: 65535 }),
      tls: Type.Object(
        {
          /** TLS listener; on when `cert` and `key` are set. */
          port: Type.Integer({ default: 8883, minimum: 0, maximum: 65535 }),
          cert: Type.String({ default: '' }),
          key: Type.String({ default: '' }),
        },
        { default: {} },
      ),
      websocket: Type.Object(
        {
          /** MQTT over WebSocket (`ws://host:port/mqtt`); -1 turns it off. */
          port: Type.Integer({ default: -1, minimum: -1, maximum: 65535 }),
          path: Type.String({ default: '/mqtt' }),
        },
        { default: {} },
      ),
      /** How long a successful password check is remembered (reconnect storms). */
      authCacheTtl: Type.String({ ...Duration, default: '60s' }),
      /** What one MQTT connection may make the embedded broker hold (docs/security.md, "MQTT broker limits"). */
      limits: Type.Object(
        {
          /** Largest MQTT packet, in bytes, on every listener: the largest payload the hub accepts plus room for the topic. */
          maxPacketSize: Type.Integer({ default: MAX_PAYLOAD_BYTES + 64 * 1024, minimum: 1024, maximum: 268_435_455 }),
          /** Largest packet before the connection has authenticated (its CONNECT: client id, will, credentials). */
          maxConnectSize: Type.Integer({ default: 8192, minimum: 256, maximum: 268_435_455 }),
          /** Connections from one address that have not authenticated yet; more are closed at once. */
          maxUnauthenticatedPerSource: Type.Integer({ default: 16, minimum: 1 }),
          /** A connection that sends no CONNECT within this time is closed. */
          connectTimeout: Type.String({ ...Duration, default: '10s' }),
        },
        { default: {} },
      ),
      /** Persistent (`clean: false`) MQTT sessions of the embedded broker. */
      sessions: Type.Object(
        {
          /** Messages one session may queue for its client; beyond it the oldest are dropped (and counted). */
          maxMessages: Type.Integer({ default: 1000, minimum: 1 }),
          /** Bytes (topics and payloads) one session may queue; beyond it the oldest are dropped. */
          maxBytes: Type.Integer({ default: 8 * 1024 * 1024, minimum: 1024 }),
          /** A session whose client stays away this long is deleted with its queue. */
          expiry: Type.String({ ...Duration, default: '1h' }),
          /** Persistent sessions one node or user may hold at once; 0 refuses `clean: false`. */
          maxPerPrincipal: Type.Integer({ default: 4, minimum: 0 }),
        },
        { default: {} },
      ),
      // external: the broker the hub subscribes to
      url: Type.String({ default: 'mqtt://localhost:1883', pattern: '^(mqtts?|wss?|tcp|tls)://' }),
      username: Type.String({ default: '' }),
      passwordFile: Type.String({ default: '' }),
      ca: Type.String({ default: '' }),
      /** Stable MQTT client id: the broker keeps the session's QoS 1 messages while the hub restarts. */
      clientId: Type.String({ default: 'kcloud-hub', minLength: 1, pattern: '^[^/+#]*$' }),
      /** How long the external broker keeps the hub's session (and its queued messages) while the hub is away. */
      sessionExpiry: Type.String({ ...Duration, default: '7d' }),
      /** MQTT 5 shared-subscription group; hubs in one group split the ingest. Empty: a plain subscription (one hub). */
      group: Type.String({ default: 'kcloud-hub', pattern: '^[^/+#]*$' }),
      /** With a group: take over the sessions of dead hubs of the group, so their share is stored without them (docs/scale-out.md). */
      adoptPeers: Type.Boolean({ default: true }),
    },
    { default: {} },
  ),
  ingest: Type.Object(
    {
      /**
       * Messages arriving within this window share one transaction. 0: a group
       * is what one turn of the event loop read, so groups grow with the load
       * by themselves and a quiet hub commits at once (docs/hub.md).
       */
      groupCommit: Type.String({ ...Duration, default: '0ms' }),
      /**
       * Messages per transaction at most. Every batch of a group stays parsed until its commit: a
       * busy hub reads dozens per turn, and holding them all made the young generation copy and
       * promote them (docs/hub.md, "Group commit").
       */
      maxGroup: Type.Integer({ default: 16, minimum: 1 }),
      /** What ingest refuses of a node's samples, counted per node and reason (docs/security.md, "Ingest limits"). */
      limits: Type.Object(
        {
          /** A sample stamped later than now plus this is refused (samples older than retention.raw are refused too). */
          clockTolerance: Type.String({ ...Duration, default: '5m' }),
          /** Series one node may have at once; retention frees those it stopped writing. */
          seriesPerNode: Type.Integer({ default: 20_000, minimum: 1 }),
          /** New series one node may create per minute. */
          newSeriesPerMinute: Type.Integer({ default: 1000, minimum: 1 }),
          /** Labels of a new series, the hub's cluster and node included (the payload holds 16 at most). */
          labelsPerSeries: Type.Integer({ default: 16, minimum: 2, maximum: 18 }),
          /** Characters of a label value of a new series (the payload holds 256 at most). */
          labelValueLength: Type.Integer({ default: 128, minimum: 1, maximum: 256 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  /** Where committed samples go besides the local store (docs/scale-out.md). */
  storage: Type.Object(
    {
      /** Prometheus remote-write 1.0 receivers every committed sample is forwarded to, through a durable queue. */
      remoteWrite: RemoteWriteConfigSchema,
      /** The Prometheus HTTP API range reads fall back on beyond local retention (or always); absent: local store only. */
      remoteRead: Type.Optional(RemoteReadSchema),
      /** How long a write to hub.db waits for another connection's lock (a CLI command, a backup) before the request answers 503. */
      lockTimeout: Type.String({ ...Duration, default: '5s' }),
      /** Bytes of decoded rollup blocks the tsdb keeps for reads (hub/tsdb/rollup-cache.ts); 0 keeps none. */
      readCacheBytes: Type.Integer({ default: 64 * 1024 * 1024, minimum: 0, maximum: 16 * 1024 * 1024 * 1024 }),
    },
    { default: {} },
  ),
  retention: Type.Object(
    {
      raw: Type.String({ ...Duration, default: '7d' }),
      minute: Type.String({ ...Duration, default: '90d' }),
      hour: Type.String({ ...Duration, default: '2y' }),
    },
    { default: {} },
  ),
  /** An agent for this machine run by the hub itself (`kcloud-hub run --with-agent`), credential provisioned automatically. */
  localAgent: Type.Object(
    {
      enabled: Type.Boolean({ default: false }),
      /** The agent's config file (see docs/examples/agent.yaml); its node, dataDir and mqtt keys are set by the hub. */
      config: Type.String({ default: '' }),
    },
    { default: {} },
  ),
  /** The HTTP APIs (docs/api.md): every area on every port. */
  http: Type.Object(
    {
      host: Type.String({ default: '0.0.0.0' }),
      /** 0 picks a free port (tests); -1 turns HTTP off. */
      port: Type.Integer({ default: 8001, minimum: -1, maximum: 65535 }),
      /** More ports serving the same APIs (the seeds document 8001, 8080 and 5000). */
      extraPorts: Type.Array(Port, { default: [] }),
      /** HTTPS on every port when both are set (PEM files). */
      tls: Type.Object({ cert: Type.String({ default: '' }), key: Type.String({ default: '' }) }, { default: {} }),
      /** Trust X-Forwarded-For from a reverse proxy (client ip in audit logs and rate limits). */
      trustProxy: Type.Boolean({ default: false }),
    },
    { default: {} },
  ),
  api: Type.Object(
    {
      /** A sample older than this is not "current" (its node stopped reporting it): current values become null. */
      staleAfter: Type.String({ ...Duration, default: '60s' }),
      /** How long a monitoring GET answer is reused for the same URL (metadata.cache_hit: true); 0s turns the cache off. */
      cacheTtl: Type.String({ ...Duration, default: '1s' }),
      /** Exports (/export/*) streamed at once, and how many more wait for a slot; beyond both: 429 with Retry-After. */
      exports: Type.Object(
        {
          maxConcurrent: Type.Integer({ default: 2, minimum: 1, maximum: 64 }),
          maxQueued: Type.Integer({ default: 8, minimum: 0, maximum: 1000 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  auth: AuthConfigSchema,
  /** The web console at `/` (docs/console.md). */
  console: ConsoleConfigSchema,
  thresholds: ThresholdsConfigSchema,
  clusters: ClustersConfigSchema,
  /** Proxmox clusters registered through /api/v1/clusters (docs/proxmox.md). */
  proxmox: ProxmoxConfigSchema,
  /** The Proxmox server manager (terraform-proxmox-manager-api): cluster, templates, network (docs/proxmox.md). */
  pveManager: PveManagerConfigSchema,
  /** Cloud credentials, VMs and cost analysis of the skyclust API (docs/clouds.md). */
  clouds: CloudsConfigSchema,
  /** The ECP-AI orchestrator API: tenants, sizing prices (docs/ecp.md). */
  ecp: EcpConfigSchema,
  /** Kubernetes clusters (kubeconfig per cluster) real ECP tenants are applied to (docs/ecp.md). */
  kubernetes: KubernetesConfigSchema,
  /** The hub's Prometheus endpoint GET /metrics (fleet under dcgm-exporter names, hub internals). */
  metrics: MetricsConfigSchema,
  /** Notifications made from node events, per node, category and subject (docs/security.md, "Ingest limits"). */
  notifications: Type.Object(
    {
      /** The same notification (node, category, subject such as a sensor) at most once in this long. */
      repeatAfter: Type.String({ ...Duration, default: '15m' }),
      /** Notifications per node and category per `window`; the first beyond says so, the rest are dropped. */
      perNodeAndKind: Type.Integer({ default: 20, minimum: 1 }),
      window: Type.String({ ...Duration, default: '1h' }),
    },
    { default: {} },
  ),
  /** An optional Redis shared by several hubs (rate limits, token revocations); empty: not configured. */
  redis: Type.Object({ url: Type.String({ default: '', pattern: '^(|rediss?://.*)$' }) }, { default: {} }),
});

export type HubConfig = Static<typeof HubConfigSchema>;

/** Loads and validates the hub config; throws ConfigError naming the key. */
export function loadHubConfig(file?: string, env: NodeJS.ProcessEnv = process.env): HubConfig {
  return loadConfig(HubConfigSchema, { file, envPrefix: 'KCLOUD_HUB', env });
}
