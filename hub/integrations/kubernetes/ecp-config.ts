import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
const Price = Type.Number({ minimum: 0, maximum: 1_000_000 });
/** Alert levels of one metric: above `warning` a warning, above `critical` a critical alert. */
const Threshold = Type.Object({ warning: Type.Number({ minimum: 0 }), critical: Type.Number({ minimum: 0 }) }, { additionalProperties: false });
const GpuType = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' });

/** `ecp:` in hub.yaml: the ECP-AI orchestrator API (docs/ecp.md). */
export const EcpConfigSchema = Type.Object(
  {
    /** Tenants the hub keeps at most (demo and real together); a create beyond it answers 409. */
    maxTenants: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000 }),
    /** The `kubernetes.clusters` entry real tenants are applied to; empty: the first one (none configured: real tenants are refused). */
    cluster: Type.String({ default: '', maxLength: 63 }),
    /** Time between two steps of a demo tenant's simulated deployment (one Kubernetes object per step). */
    demoStepInterval: Type.String({ ...Duration, default: '2s' }),
    /** Unit prices of the cost estimate (docs/ecp.md, "Cost"). */
    prices: Type.Object(
      {
        currency: Type.String({ default: '$', minLength: 1, maxLength: 4 }),
        cpuCoreHour: Type.Number({ ...Price, default: 0.02 }),
        memoryGiBHour: Type.Number({ ...Price, default: 0.003 }),
        storageTBMonth: Type.Number({ ...Price, default: 20 }),
        /** Price of a kWh: a running tenant's measured GPU energy is added to its cost estimate at this price (0: energy shown, not priced). */
        electricityKWh: Type.Number({ ...Price, default: 0.15 }),
        /** GPU-hour price by GPU type; every type named in `gpuTypeByPreset` needs one. */
        gpuHour: Type.Record(GpuType, Price, { default: { t4: 0.35, v100: 1.2, a100: 2.5 } }),
      },
      { default: {} },
    ),
    /** Tenant monitoring, its WebSockets and alerts (docs/ecp.md, "Monitoring"). */
    monitoring: Type.Object(
      {
        /** A posted sample may be at most this far ahead of the hub's clock. */
        clockTolerance: Type.String({ ...Duration, default: '5m' }),
        /** Newest value the monitoring WebSocket shows: older than this it is null. */
        staleAfter: Type.String({ ...Duration, default: '5m' }),
        /** Shortest push interval a WebSocket subscriber may ask for. */
        minPushInterval: Type.String({ ...Duration, default: '1s' }),
        /** ECP WebSockets (monitoring, deployment, alerts together) one user may hold open. */
        maxSocketsPerUser: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
        /** How long GET /monitoring/system waits for a cluster's node list before reporting it down. */
        capacityTimeout: Type.String({ ...Duration, default: '5s' }),
        /**
         * Alert thresholds (value above: alert of that severity) on the tenants' posted metrics and on the
         * measured ones of real tenants (gpu_utilization: SM % of their GPU processes; gpu_power_watts: their
         * processes' power, no default: it depends on the GPUs); a key left out has no alert.
         */
        alertThresholds: Type.Object(
          {
            cpu: Type.Optional(Threshold),
            memory: Type.Optional(Threshold),
            gpu: Type.Optional(Threshold),
            error_rate: Type.Optional(Threshold),
            response_time: Type.Optional(Threshold),
            gpu_utilization: Type.Optional(Threshold),
            gpu_power_watts: Type.Optional(Threshold),
          },
          {
            additionalProperties: false,
            default: {
              cpu: { warning: 80, critical: 95 },
              memory: { warning: 85, critical: 95 },
              gpu: { warning: 90, critical: 98 },
              gpu_utilization: { warning: 90, critical: 98 },
              error_rate: { warning: 0.05, critical: 0.1 },
              response_time: { warning: 1000, critical: 3000 },
            },
          },
        ),
      },
      { default: {} },
    ),
    /** The GPU type a tenant of each preset gets. */
    gpuTypeByPreset: Type.Object(
      { micro: GpuType, small: GpuType, medium: GpuType, large: GpuType },
      { default: { micro: 't4', small: 't4', medium: 'v100', large: 'v100' } },
    ),
  },
  { default: {} },
);

export type EcpConfig = Static<typeof EcpConfigSchema>;
