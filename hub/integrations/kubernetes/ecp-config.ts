import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
const Price = Type.Number({ minimum: 0, maximum: 1_000_000 });
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
        /** GPU-hour price by GPU type; every type named in `gpuTypeByPreset` needs one. */
        gpuHour: Type.Record(GpuType, Price, { default: { t4: 0.35, v100: 1.2, a100: 2.5 } }),
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
