import { VERSION } from '../../../shared/version.js';
import { parseDuration } from '../../../shared/duration.js';
import type { ClusterConfig } from '../../clusters/config.js';
import type { NodeView } from '../../fleet/node-directory.js';
import type { RouteAccessEntry } from '../auth/plugin.js';
import { storeWriteView } from '../store-write-state.js';
import type { RouteModule } from '../types.js';
import { catalogOf } from './clusters.js';
import { CapabilitiesResponse, HealthResponse, MetricsTextResponse, VersionResponse } from './schemas/system.js';

type Schema = { enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[] };
/** The part of the OpenAPI 3 document read here. */
export type OpenApiPaths = { paths?: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: Schema }[] }>> };

/** The values a (TypeBox or OpenAPI) parameter schema allows: `enum`, `const`, or a union of them. */
function allowedValues(s: Schema | undefined): string[] {
  if (!s) return [];
  return [...(s.enum ?? []), ...(s.const === undefined ? [] : [s.const]), ...[...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(allowedValues)].map(String);
}

/**
 * What the routes registered on this server offer, read from the routes
 * themselves so the answer stays true as areas are added: streaming by the
 * stream routes present, export formats by the `format` parameter of the
 * export route in the OpenAPI document.
 */
export function routeCapabilities(routes: readonly RouteAccessEntry[], openapi: OpenApiPaths) {
  const has = (url: string) => routes.some((r) => r.url === url);
  const format = openapi.paths?.['/api/v1/export/power']?.get?.parameters?.find((p) => p.in === 'query' && p.name === 'format');
  return {
    infrastructure: [has('/api/v1/infrastructure/nodes') && 'nodes', has('/api/v1/infrastructure/pods') && 'pods'].filter((x): x is string => !!x),
    hardware: has('/api/v1/hardware/ipmi/sensors') ? ['ipmi'] : [],
    export_formats: allowedValues(format?.schema),
    streaming: [has('/api/v1/monitoring/stream/power') && 'websocket', has('/api/v1/monitoring/events/power') && 'sse'].filter((x): x is string => !!x),
  };
}

/** Agent collector names (agent/collectors/registry.ts) as the data sources they read. */
const COLLECTOR_SOURCE: Record<string, string> = { gpu: 'nvidia-smi', 'gpu-processes': 'nvidia-smi' };

/** Sources the hub reads now: collectors enabled on its nodes (from their status) and configured Prometheus servers. */
function sourceNames(nodes: readonly NodeView[], clusters: readonly ClusterConfig[]): string[] {
  const names = new Set<string>();
  for (const n of nodes) for (const [name, s] of Object.entries(n.sources)) if (s.enabled) names.add(COLLECTOR_SOURCE[name] ?? name);
  if (clusters.some((c) => c.url)) names.add('prometheus');
  return [...names].sort();
}

/**
 * kcloud-monitor-api 7 (System): health (public: load balancers and
 * orchestrators probe it anonymously), version, capabilities and the API's
 * own metrics in the Prometheus text format.
 */
export const systemRoutes: RouteModule = (app, deps) => {
  const catalog = catalogOf(app, deps);
  const cacheEnabled = deps.config.clusters.some((c) => c.url && parseDuration(c.cacheTtl) > 0);

  app.get('/system/health', { config: { access: 'public' }, schema: { tags: ['system'], summary: 'Hub, store, broker and Prometheus health', response: HealthResponse } }, async (_request, reply) => {
    let store: { ok: true; size_bytes: number; series: number; samples: number } | { ok: false; error: string };
    try {
      const s = deps.tsdb.stats();
      store = { ok: true, size_bytes: s.bytes, series: s.series, samples: s.samples };
    } catch (err) {
      store = { ok: false, error: (err as Error).message };
    }
    const state = store.ok ? await deps.hubState() : null;
    const broker = !state ? null : state.broker.mode === 'embedded' ? { mode: 'embedded', connected: true, clients: state.broker.clients } : { mode: 'external', connected: state.broker.connected, clients: null };
    const nodes = deps.fleet.nodes.list();
    // Public answer: a Prometheus's address is internal, so it is not shown here (admins read it at /clusters).
    const prometheus = (await catalog.probeAll()).map((p) => ({ ...p, url: null }));
    const hubDb = storeWriteView(deps.logins.health);
    const status = !store.ok ? 'unhealthy' : !hubDb.writable || !broker?.connected || prometheus.some((p) => !p.connected) ? 'degraded' : 'healthy';
    return reply.status(status === 'unhealthy' ? 503 : 200).send({
      status,
      timestamp: new Date().toISOString(),
      version: VERSION,
      store,
      hub_db: hubDb,
      broker,
      sources: { nodes: { online: nodes.filter((n) => n.state === 'online').length, total: nodes.length }, prometheus },
      // The seed's single-Prometheus field, over every configured one: connected when all are; with none configured, the
      // object is there (documented clients read its fields) and says so, its values null.
      prometheus: prometheus.length === 0
        ? { configured: false, connected: null, url: null, response_time_ms: null }
        : {
            configured: true,
            connected: prometheus.every((p) => p.connected),
            url: null,
            response_time_ms: prometheus.some((p) => p.response_time_ms === null) ? null : Math.max(...prometheus.map((p) => p.response_time_ms!)),
          },
      cache: { enabled: cacheEnabled, hit_rate_percent: await app.apiMetrics.cacheHitRatePercent() },
      uptime_seconds: Math.floor((Date.now() - deps.startedAt) / 1000),
    });
  });

  app.get('/system/version', { config: { access: 'system:read' }, schema: { tags: ['system'], summary: 'Hub and runtime versions', response: VersionResponse } }, async () => ({
    timestamp: new Date().toISOString(),
    data: {
      api_version: VERSION,
      api_name: 'KCloud Monitor (kcloud hub)',
      // Not recorded at build time; null rather than a made-up date.
      build_date: null,
      node_version: process.versions.node,
      fastify_version: app.version,
      // The seed's Python service reports these; kept (null) so its clients find the fields.
      python_version: null,
      fastapi_version: null,
    },
  }));

  app.get('/system/capabilities', { config: { access: 'system:read' }, schema: { tags: ['system'], summary: 'What this hub serves and reads', response: CapabilitiesResponse } }, async () => {
    const routes = routeCapabilities(app.routeAccess, app.swagger() as unknown as OpenApiPaths);
    return {
      timestamp: new Date().toISOString(),
      data: {
        accelerators: ['nvidia_gpu'],
        ...routes,
        data_sources: sourceNames(deps.fleet.nodes.list(), deps.config.clusters),
        multi_cluster: true,
        real_time_monitoring: routes.streaming.length > 0,
      },
    };
  });

  app.get('/system/metrics', { config: { access: 'system:read' }, schema: { tags: ['system'], summary: 'API request, cache and Prometheus-query metrics (Prometheus text format)', response: MetricsTextResponse } }, async (_request, reply) =>
    reply.type(app.apiMetrics.registry.contentType).send(await app.apiMetrics.registry.metrics()),
  );
};
