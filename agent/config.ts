import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '../shared/config/load.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' });
const Enabled = Type.Union([Type.Literal('auto'), Type.Boolean()], { default: 'auto' });
const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' });

/** The agent's configuration file (YAML), every key overridable by `KCLOUD_<PATH>`. Documented in README.md. */
export const AgentConfigSchema = Type.Object({
  node: Type.Optional(Name),
  cluster: Type.String({ default: 'default', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }),
  dataDir: Type.String({ default: '/var/lib/kcloud-agent', minLength: 1 }),
  log: Type.Object(
    {
      level: Type.Union(['trace', 'debug', 'info', 'warn', 'error'].map((l) => Type.Literal(l)), { default: 'info' }),
      pretty: Type.Boolean({ default: false }),
    },
    { default: {} },
  ),
  mqtt: Type.Object(
    {
      url: Type.String({ default: 'mqtt://localhost:1883', pattern: '^(mqtts?|wss?|tcp|tls)://' }),
      username: Type.Optional(Type.String()),
      passwordFile: Type.Optional(Type.String()),
      ca: Type.Optional(Type.String()),
      /** Backlog replay rate after an outage, in batches per second (live data is sent first). */
      replayRate: Type.Number({ default: 50, exclusiveMinimum: 0 }),
      /** Telemetry payloads as JSON or as its CBOR twin (smaller, cheaper for the hub to decode; docs/mqtt.md). */
      payload: Type.Union([Type.Literal('json'), Type.Literal('cbor')], { default: 'json' }),
    },
    { default: {} },
  ),
  outbox: Type.Object(
    {
      maxBytes: Type.Integer({ default: 256 * 1024 * 1024, minimum: 1024 }),
      maxAge: Type.String({ ...Duration, default: '24h' }),
    },
    { default: {} },
  ),
  history: Type.Object(
    {
      /** How long the local store keeps samples for `kcloud-agent query`. */
      retention: Type.String({ ...Duration, default: '24h' }),
    },
    { default: {} },
  ),
  metrics: Type.Object(
    {
      /** `host:port` for the node /metrics endpoint; empty turns it off. */
      listen: Type.String({ default: ':9400' }),
      /** Also label series `Hostname` (dcgm-exporter before its rename to `hostname`); false drops the old label. */
      legacyHostnameLabel: Type.Boolean({ default: true }),
      /** Also export the host families under node_exporter's names (`node_load1`, `node_memory_MemTotal_bytes`, ...). */
      nodeExporterNames: Type.Boolean({ default: false }),
    },
    { default: {} },
  ),
  procRoot: Type.String({ default: '/proc' }),
  collectors: Type.Object(
    {
      gpu: Type.Object(
        {
          enabled: Enabled,
          interval: Type.String({ ...Duration, default: '1s' }),
          nvidiaSmi: Type.String({ default: 'nvidia-smi' }),
          /** Kernel log the driver's XID lines are read from (`NVRM: Xid ...`); "" turns XIDs off. Reading /dev/kmsg needs root or CAP_SYSLOG. */
          kernelLog: Type.String({ default: '/dev/kmsg' }),
          /**
           * How often `nvidia-smi nvlink -gt d` is read (never more often than `interval`): each read is a one-shot
           * nvidia-smi (NVML start-up included, ~0.1 s of CPU), so once a minute: the counters are cumulative, so a
           * longer interval only averages the rate over a longer window (issue 20's agent CPU target).
           */
          nvlinkInterval: Type.String({ ...Duration, default: '60s' }),
        },
        { default: {} },
      ),
      dcgm: Type.Object(
        {
          enabled: Enabled,
          interval: Type.String({ ...Duration, default: '1s' }),
          dcgmi: Type.String({ default: 'dcgmi' }),
          /** Watch DCGM's profiling fields (DCGM_FI_PROF_*: engine, SM, tensor, DRAM activity, PCIe bytes), the activity ratios per MIG GPU instance too; needs DCGM's profiling module. */
          profiling: Type.Boolean({ default: false }),
        },
        { default: {} },
      ),
      ipmi: Type.Object(
        {
          enabled: Enabled,
          interval: Type.String({ ...Duration, default: '10s' }),
          ipmitool: Type.String({ default: 'ipmitool' }),
          interface: Type.Union([Type.Literal('open'), Type.Literal('lanplus')], { default: 'open' }),
          host: Type.String({ default: '' }),
          port: Type.Integer({ default: 623, minimum: 1, maximum: 65535 }),
          username: Type.String({ default: '' }),
          passwordFile: Type.String({ default: '' }),
          cipherSuite: Type.Integer({ default: 3, minimum: 0, maximum: 17 }),
          timeout: Type.String({ ...Duration, default: '5s' }),
          // One `ipmitool shell` session fed over stdin instead of an ipmitool per reading (falls back by itself where it cannot run).
          shell: Type.Boolean({ default: true }),
        },
        { default: {} },
      ),
      rapl: Type.Object(
        { enabled: Enabled, interval: Type.String({ ...Duration, default: '1s' }), root: Type.String({ default: '/sys/class/powercap' }) },
        { default: {} },
      ),
      host: Type.Object({ enabled: Type.Boolean({ default: true }), interval: Type.String({ ...Duration, default: '5s' }) }, { default: {} }),
      /** Per-pod CPU time and memory from the kubelet's cgroup tree (`kubepods.slice` or `kubepods` under `root`, v2; or under v1's cpu,cpuacct and memory). */
      podCgroups: Type.Object(
        {
          enabled: Enabled,
          interval: Type.String({ ...Duration, default: '10s' }),
          root: Type.String({ default: '/sys/fs/cgroup', minLength: 1 }),
          /** Pods read per run at most (by UID order); a node runs 110 by the kubelet's default. */
          maxPods: Type.Integer({ default: 500, minimum: 1, maximum: 100_000 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
});

export type AgentConfigFile = Static<typeof AgentConfigSchema>;
export type AgentConfig = AgentConfigFile & { node: string };

/** Loads and validates the agent config; throws ConfigError naming the key. */
export function loadAgentConfig(file?: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const cfg = loadConfig(AgentConfigSchema, { file, envPrefix: 'KCLOUD', env });
  return { ...cfg, node: cfg.node ?? hostname().split('.')[0]! };
}

