import { Type } from '@sinclair/typebox';
import { StoreWriteState } from '../../store-write-state.js';
import { Count, ERROR_RESPONSES, fileResponse, Nullable, StringEnum, Timestamp, withErrors } from './common.js';

const HealthBody = Type.Object({
  status: StringEnum(['healthy', 'degraded', 'unhealthy'] as const),
  timestamp: Timestamp,
  version: Type.String(),
  store: Type.Union([
    Type.Object({ ok: Type.Literal(true), size_bytes: Type.Number(), series: Type.Number(), samples: Type.Number() }),
    Type.Object({ ok: Type.Literal(false), error: Type.String() }),
  ]),
  hub_db: StoreWriteState,
  broker: Nullable(
    Type.Object({ mode: StringEnum<string>(['embedded', 'external']), connected: Type.Boolean(), clients: Nullable(Type.Number()) }),
    { description: 'null when the store is down (the hub state is not read then)' },
  ),
  sources: Type.Object({
    nodes: Type.Object({ online: Count, total: Count }),
    prometheus: Type.Array(
      Type.Object({ cluster: Type.String(), url: Nullable(Type.String(), { description: 'always null: the address is internal, not for this public answer (admins read it at /clusters)' }), connected: Type.Boolean(), response_time_ms: Nullable(Type.Number()), error: Nullable(Type.String()) }),
    ),
  }),
  prometheus: Type.Object(
    { configured: Type.Boolean(), connected: Nullable(Type.Boolean()), url: Nullable(Type.String()), response_time_ms: Nullable(Type.Number()) },
    { description: 'Over every configured Prometheus; values null when none is configured' },
  ),
  cache: Type.Object({ enabled: Type.Boolean(), hit_rate_percent: Nullable(Type.Number()) }),
  uptime_seconds: Count,
});

export const HealthResponse = { ...withErrors(HealthBody), 503: HealthBody };

export const VersionResponse = withErrors(
  Type.Object({
    timestamp: Timestamp,
    data: Type.Object({
      api_version: Type.String(),
      api_name: Type.String(),
      build_date: Type.Null({ description: 'Not recorded at build time' }),
      node_version: Type.String(),
      fastify_version: Type.String(),
      python_version: Type.Null({ description: 'Kept (null) for the seed\'s clients: the seed service is Python' }),
      fastapi_version: Type.Null({ description: 'Kept (null) for the seed\'s clients' }),
    }),
  }),
);

export const CapabilitiesResponse = withErrors(
  Type.Object({
    timestamp: Timestamp,
    data: Type.Object({
      accelerators: Type.Array(Type.String()),
      infrastructure: Type.Array(Type.String()),
      hardware: Type.Array(Type.String()),
      export_formats: Type.Array(Type.String()),
      streaming: Type.Array(Type.String()),
      data_sources: Type.Array(Type.String()),
      multi_cluster: Type.Boolean(),
      real_time_monitoring: Type.Boolean(),
    }),
  }),
);

export const MetricsTextResponse = { 200: fileResponse('The API\'s own metrics in the Prometheus text format', ['text/plain; version=0.0.4; charset=utf-8']), ...ERROR_RESPONSES };
