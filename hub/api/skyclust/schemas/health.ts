import { Type } from '@sinclair/typebox';
import { StoreWriteState } from '../../store-write-state.js';
import { IsoTime, Nullable } from './common.js';

const Duration = Type.String({ description: 'Go style: 72h30m15s, 1.25ms' });

/** Go runtime figures the seed shows; Node has no equivalent for the null ones. */
export const ProcessHealth = Type.Object({
  status: Type.String({ description: '`healthy`, or `degraded` while hub.db takes no writes (see `store`)' }),
  store: StoreWriteState,
  timestamp: IsoTime,
  uptime: Duration,
  uptime_seconds: Type.Integer(),
  version: Type.String(),
  environment: Type.String(),
  metrics: Type.Object({
    memory: Type.Object({
      alloc_mb: Type.Number(),
      total_alloc_mb: Nullable(Type.Number()),
      sys_mb: Type.Number(),
      heap_total_mb: Type.Number(),
      num_gc: Nullable(Type.Integer()),
    }),
    goroutines: Nullable(Type.Integer()),
  }),
});

export const DbHealth = Type.Object({
  status: Type.String({ description: '`healthy`, or `degraded` while hub.db answers reads but takes no writes (see `store`)' }),
  store: StoreWriteState,
  engine: Type.String(),
  connection_count: Type.Integer(),
  max_connections: Nullable(Type.Integer()),
  schema_objects: Type.Integer(),
  journal_mode: Type.String(),
  response_time: Duration,
  response_time_ms: Type.Number(),
});

/** Every figure is null while Redis is not configured (status not_configured). */
export const RedisHealth = Type.Object({
  status: Type.String(),
  connected_clients: Nullable(Type.Integer()),
  used_memory: Nullable(Type.String({ description: 'MiB, as in 12.5MB' })),
  used_memory_bytes: Nullable(Type.Integer()),
  version: Nullable(Type.String()),
  response_time: Nullable(Duration),
  response_time_ms: Nullable(Type.Number()),
});
