import type { FastifyRequest } from 'fastify';

/** Where a response's numbers come from (the seed's `metadata.data_source`). */
export type DataSource = 'kcloud' | 'prometheus' | 'dcgm' | 'nvidia-smi' | 'ipmi' | 'rapl' | 'mixed';

export interface EnvelopeOptions<E extends Record<string, unknown> = Record<never, never>, M extends Record<string, unknown> = Record<never, never>> {
  /** The `cluster` query parameter, or `default`-less `all` when the request spans clusters. */
  cluster?: string;
  dataSource?: DataSource;
  /** Extra `metadata` fields (total_count, limit, offset, ...). */
  metadata?: M;
  /** Extra top-level fields some endpoints document (`summary`, `query`, `breakdown_by`). */
  extra?: E;
  cacheHit?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived, for metadata.query_time_ms. */
    startedAt: number;
  }
}

/**
 * kcloud-monitor-api's common response: timestamp, cluster, resource_type,
 * data, metadata (query_time_ms, cache_hit, data_source).
 */
export function envelope<D, E extends Record<string, unknown> = Record<never, never>, M extends Record<string, unknown> = Record<never, never>>(
  request: FastifyRequest,
  resourceType: string,
  data: D,
  opts: EnvelopeOptions<E, M> = {},
): { timestamp: string; cluster: string; resource_type: string; data: D; metadata: { query_time_ms: number; cache_hit: boolean; data_source: DataSource } & M } & E {
  return {
    timestamp: new Date().toISOString(),
    cluster: opts.cluster ?? 'all',
    resource_type: resourceType,
    data,
    ...(opts.extra as E),
    metadata: {
      query_time_ms: Math.round((performance.now() - request.startedAt) * 100) / 100,
      cache_hit: opts.cacheHit ?? false,
      data_source: opts.dataSource ?? 'kcloud',
      ...(opts.metadata as M),
    },
  };
}
