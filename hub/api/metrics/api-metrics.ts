import { Counter, Histogram, Registry } from 'prom-client';

/** Seconds; from a cached answer (ms) to a slow export (s). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The API's own metrics (kcloud-monitor-api's GET /system/metrics), in a
 * registry of their own so that endpoint shows exactly them; the hub's
 * GET /metrics shows them too, beside ingest and the fleet.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  /** `endpoint` is the route pattern (`/api/v1/clusters/:cluster_name/power`), never the raw URL: one series per route, not per URL. */
  readonly requests = new Counter({ name: 'api_requests_total', help: 'Total API requests', labelNames: ['method', 'endpoint', 'status'], registers: [this.registry] });
  readonly duration = new Histogram({ name: 'api_request_duration_seconds', help: 'API request duration', labelNames: ['method', 'endpoint'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  readonly cacheHits = new Counter({ name: 'cache_hits_total', help: 'Cache hits (monitoring answers and cluster Prometheus answers reused)', registers: [this.registry] });
  readonly cacheMisses = new Counter({ name: 'cache_misses_total', help: 'Cache misses (monitoring answers computed, cluster Prometheus answers fetched)', registers: [this.registry] });
  readonly prometheusQueries = new Histogram({ name: 'prometheus_query_duration_seconds', help: 'Prometheus query duration', buckets: DURATION_BUCKETS, registers: [this.registry] });

  /** Hit rate of the cache in percent; null before its first use. */
  async cacheHitRatePercent(): Promise<number | null> {
    const hits = (await this.cacheHits.get()).values[0]?.value ?? 0;
    const misses = (await this.cacheMisses.get()).values[0]?.value ?? 0;
    return hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 1000) / 10;
  }
}
