import { Type } from '@sinclair/typebox';
import { METRIC_KEYS, METRIC_TYPES, POSTED_METRICS, POSTED_NAMES } from '../../integrations/kubernetes/tenant-metrics.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ format: 'date-time' });

/** The seed's intervals and what each is in ms. */
export const INTERVALS = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 } as const;

export const MonitoringQuery = Type.Object(
  {
    metric_type: Type.Optional(Type.Union(Object.keys(METRIC_TYPES).map((k) => Type.Literal(k)), { description: 'cpu, memory, gpu (posted use, measured GPU power and memory), network, storage; absent: all' })),
    hours: Type.Integer({ minimum: 1, maximum: 168, default: 24, description: 'hours back from now (at most a week)' }),
    interval: Type.Union(Object.keys(INTERVALS).map((k) => Type.Literal(k)), { default: '5m' }),
  },
  { additionalProperties: false },
);

/** The seed's body; every key optional, each with its unit's range; unknown keys are refused (422 naming them), so a post cannot create series. */
export const PostMetricsBody = Type.Object(
  {
    timestamp: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'sample time; default: when the hub receives it' })),
    metrics: Type.Object(
      Object.fromEntries(
        POSTED_NAMES.map((n) => [n, Type.Optional(Type.Number({ minimum: 0, maximum: POSTED_METRICS[n].max, description: `${POSTED_METRICS[n].unit}, stored as ${POSTED_METRICS[n].series}` }))]),
      ),
      { additionalProperties: Type.Never(), minProperties: 1 },
    ),
  },
  { additionalProperties: Type.Never() },
);

export const PostMetricsAnswer = Type.Object({
  tenant_id: Type.String(),
  timestamp: Iso,
  stored: Type.Integer({ description: 'samples stored' }),
  duplicates: Type.Integer({ description: 'samples whose series already had a value at this timestamp (the first is kept)' }),
  series: Type.Array(Type.String(), { description: 'the stored series names' }),
});

const Point = Type.Object({ timestamp: Iso, value: Type.Number() });
const Source = Nullable(Type.Union([Type.Literal('posted'), Type.Literal('measured'), Type.Literal('simulated')]));
const Debug = Type.Object({}, { additionalProperties: true, description: 'X-Debug: true from an admin only' });

export const MonitoringAnswer = Type.Object({
  tenant_id: Type.String(),
  is_demo: Type.Boolean(),
  simulated: Type.Boolean({ description: 'true when some values are simulated (demo tenants only)' }),
  time_range: Type.Object({ start: Iso, end: Iso }),
  interval: Type.String(),
  metrics: Type.Object(Object.fromEntries(METRIC_KEYS.map((k) => [k, Type.Optional(Type.Array(Point))]))),
  summary: Type.Object({}, { additionalProperties: Nullable(Type.Number()), description: 'avg_<key> and max_<key>; null without data' }),
  sources: Type.Object(Object.fromEntries(METRIC_KEYS.map((k) => [k, Type.Optional(Source)]))),
  unavailable: Type.Object({}, { additionalProperties: Type.String(), description: 'why a key has no points' }),
  debug: Type.Optional(Debug),
});

const Resources = Type.Object({ cpu: Nullable(Type.String()), memory: Nullable(Type.String()), gpu: Nullable(Type.Integer()), storage: Nullable(Type.String()) });
const Percentages = Type.Object({ cpu: Nullable(Type.Number()), memory: Nullable(Type.Number()), gpu: Nullable(Type.Number()), storage: Nullable(Type.Number()) });

export const SystemAnswer = Type.Object({
  cluster_status: Type.Union(['healthy', 'degraded', 'down', 'not_configured'].map((s) => Type.Literal(s))),
  total_tenants: Type.Integer(),
  active_tenants: Type.Integer(),
  demo_tenants: Type.Integer(),
  total_resources: Resources,
  used_resources: Resources,
  utilization: Percentages,
  clusters: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
      reason: Nullable(Type.String()),
      nodes: Nullable(Type.Integer()),
      ready_nodes: Nullable(Type.Integer()),
      allocatable: Nullable(Type.Object({ cpu: Type.String(), memory: Type.String(), gpu: Type.Integer() })),
    }),
  ),
  unavailable: Type.Object({}, { additionalProperties: Type.String(), description: 'why a figure is null' }),
  debug: Type.Optional(Debug),
});
