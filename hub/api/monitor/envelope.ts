import type { FastifyRequest } from 'fastify';

/** Where a response's numbers come from (the seed's `metadata.data_source`). */
export type DataSource = 'kcloud' | 'prometheus' | 'dcgm' | 'nvidia-smi' | 'ipmi' | 'rapl' | 'mixed';

export interface EnvelopeOptions {
  /** The `cluster` query parameter, or `default`-less `all` when the request spans clusters. */
  cluster?: string;
  dataSource?: DataSource;
  /** Extra `metadata` fields (total_count, limit, offset, ...). */
  metadata?: Record<string, unknown>;
  /** Extra top-level fields some endpoints document (`summary`, `query`, `breakdown_by`). */
  extra?: Record<string, unknown>;
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
export function envelope(request: FastifyRequest, resourceType: string, data: unknown, opts: EnvelopeOptions = {}) {
  return {
    timestamp: new Date().toISOString(),
    cluster: opts.cluster ?? 'all',
    resource_type: resourceType,
    data,
    ...opts.extra,
    metadata: {
      query_time_ms: Math.round((performance.now() - request.startedAt) * 100) / 100,
      cache_hit: opts.cacheHit ?? false,
      data_source: opts.dataSource ?? 'kcloud',
      ...opts.metadata,
    },
  };
}
