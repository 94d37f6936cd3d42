import { StoreMetadata } from '../../../remote-read/schema.js';
import { Type } from '@sinclair/typebox';
import { Count, Envelope, Nullable, RangeEcho, StringEnum, Timestamp, withErrors } from './common.js';
import { PowerSources } from './infrastructure.js';

const Num = Nullable(Type.Number());

/** GET /monitoring/power `data` (hub/streams/integrated-power.ts IntegratedPower). */
export const IntegratedPower = Type.Object({
  total_power_watts: Num,
  gpu_power_watts: Num,
  cpu_power_watts: Num,
  memory_power_watts: Num,
  other_power_watts: Num,
  breakdown: Type.Object({
    accelerators: Type.Object({ gpus: Num, npus: Type.Null({ description: 'No NPU collector exists' }) }),
    infrastructure: Type.Object({ nodes: Num, pods: Num }),
    hardware: Type.Object({ ipmi_total: Num }),
  }),
  efficiency: Type.Object({
    pue: Type.Null({ description: 'Needs facility power, which no collector measures' }),
    gpu_utilization_percent: Num,
    cpu_utilization_percent: Num,
  }),
  sources: Type.Object({
    gpu: Type.Array(Type.String()),
    cpu: Type.Array(Type.String()),
    memory: Type.Array(Type.String()),
    total: Type.Array(Type.String()),
  }),
  node_count: Count,
  reporting_node_count: Count,
});

export const IntegratedPowerResponse = withErrors(Envelope('integrated_power', IntegratedPower));

const Components = Type.Object({ gpu: Num, cpu: Num, memory: Num, other: Num });

/*
 * The rows differ by breakdown_by. Each variant admits no other property,
 * so the serialiser (which picks the first variant a row matches) always
 * picks the row's own.
 */
const AttributionRow = Type.Object(
  {
    namespace: Nullable(Type.String()),
    workload: Type.Optional(Nullable(Type.String(), { description: 'Pod name; breakdown_by=workload only' })),
    kind: StringEnum(['pod', 'host', 'idle', 'unattributed'] as const),
    power_watts: Type.Number(),
    percentage: Num,
    gpu_count: Type.Optional(Count),
    process_count: Type.Optional(Count),
  },
  { additionalProperties: false, title: 'namespace or workload row', description: 'gpu_count for `unattributed` rows, process_count for the others' },
);
const NodeRow = Type.Object(
  { node: Type.String(), cluster: Type.String(), power_watts: Num, percentage: Num, components: Components, sources: PowerSources },
  { additionalProperties: false, title: 'node row' },
);
const ClusterRow = Type.Object(
  { cluster: Type.String(), power_watts: Num, percentage: Num, components: Components, node_count: Count },
  { additionalProperties: false, title: 'cluster row' },
);

export const PowerBreakdownResponse = withErrors(
  Envelope('power_breakdown', Type.Array(Type.Union([AttributionRow, NodeRow, ClusterRow])), {
    breakdown_by: StringEnum(['cluster', 'node', 'namespace', 'workload'] as const),
    summary: Type.Object({
      total_power_watts: Num,
      component: Type.Optional(StringEnum<string>(['gpu'], { description: 'namespace and workload: only GPU power is attributed' })),
      bucket_count: Type.Optional(Count),
      cluster_count: Type.Optional(Count),
      node_count: Type.Optional(Count),
    }),
  }),
);

export const PowerSeriesResponse = withErrors(
  Envelope(
    'power_timeseries',
    Type.Array(
      Type.Object({
        timestamp: Timestamp,
        total_power_watts: Num,
        gpu_power_watts: Num,
        cpu_power_watts: Num,
        memory_power_watts: Num,
        other_power_watts: Num,
      }),
    ),
    {
      query: RangeEcho,
      summary: Type.Object({ total_samples: Count, average_power_watts: Num, max_power_watts: Num, min_power_watts: Num }),
    },
    StoreMetadata,
  ),
);
