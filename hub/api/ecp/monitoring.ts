import type { FastifyRequest } from 'fastify';
import { parseDuration } from '../../../shared/duration.js';
import { readClusterCapacity, type NodeLister } from '../../integrations/kubernetes/cluster-capacity.js';
import { quantity } from '../../integrations/kubernetes/sizing.js';
import { METRIC_KEYS, METRIC_TYPES, POSTED_METRICS, postedRows, type MetricKey, type MetricType, type PostedName } from '../../integrations/kubernetes/tenant-metrics.js';
import { sizingOf } from '../../integrations/kubernetes/tenant-manifest.js';
import { readTenantMetric, type MetricSource } from '../../integrations/kubernetes/tenant-monitoring.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { requestIdOf, validationError } from './errors.js';
import { debugWanted } from './headers.js';
import { INTERVALS, MonitoringAnswer, MonitoringQuery, PostMetricsAnswer, PostMetricsBody, SystemAnswer } from './monitoring-schemas.js';
import { EcpErrors, TenantParams } from './schemas.js';
import { requireTenantAccess } from './tenant-access.js';
import { tenantPods } from './tenant-pods.js';
import type { TenantService } from './tenant-service.js';

const tags = ['ecp: monitoring'];
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;
/** A post is one sample per metric: 16 KiB is far above the seed's body (~300 bytes) and keeps a hostile one from being parsed. */
const POST_BODY_LIMIT = 16 * 1024;

const percent = (used: number, total: number | null) => (total === null || total === 0 ? null : Math.round((used / total) * 1000) / 10);

/** The seed's monitoring routes (ecp-ai-orchestrator-api.md, "모니터링 API"). */
export function monitoringRoutes(app: Api, deps: ApiDeps, service: TenantService, clusters: readonly NodeLister[]) {
  const cfg = deps.config.ecp.monitoring;
  const clockToleranceMs = parseDuration(cfg.clockTolerance);
  const capacityTimeoutMs = parseDuration(cfg.capacityTimeout);

  /** The tenant, refused (403) when it is another user's. */
  const tenantFor = (request: FastifyRequest, tenantId: string) => {
    const tenant = service.get(tenantId);
    requireTenantAccess(request.principal!, tenant);
    return tenant;
  };

  app.get(
    '/tenants/:tenantId/monitoring',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: "A tenant's metrics over the last hours: what it posted, its pods' measured GPU power, memory and utilisation, CPU cores and memory bytes; demo tenants simulated (marked)",
        params: TenantParams,
        querystring: MonitoringQuery,
        response: { 200: MonitoringAnswer, ...EcpErrors },
      },
    },
    async (request) => {
      const tenant = tenantFor(request, request.params.tenantId);
      const started = performance.now();
      const { hours, interval } = request.query;
      const metricType = request.query.metric_type as MetricType | undefined;
      const step = INTERVALS[interval as keyof typeof INTERVALS];
      const now = Date.now();
      const range = { start: Math.floor((now - hours * HOUR) / step) * step, end: now + 1, step };
      const keys: readonly MetricKey[] = metricType ? METRIC_TYPES[metricType] : METRIC_KEYS;
      const pods = tenantPods(deps, tenant);
      const metrics: Partial<Record<MetricKey, { timestamp: string; value: number }[]>> = {};
      const summary: Record<string, number | null> = {};
      const sources: Partial<Record<MetricKey, MetricSource | null>> = {};
      const unavailable: Record<string, string> = {};
      const series: Record<string, number> = {};
      for (const key of keys) {
        const read = readTenantMetric(deps.tsdb, tenant, key, range, pods);
        metrics[key] = read.points.map(([ts, value]) => ({ timestamp: iso(ts), value }));
        summary[`avg_${key}`] = read.avg;
        summary[`max_${key}`] = read.max;
        sources[key] = read.source;
        if (read.reason) unavailable[key] = read.reason;
        series[key] = read.series;
      }
      return {
        tenant_id: tenant.tenantId,
        is_demo: tenant.isDemo,
        simulated: Object.values(sources).includes('simulated'),
        time_range: { start: iso(range.start), end: iso(now) },
        interval,
        metrics,
        summary,
        sources,
        unavailable,
        ...(debugWanted(request)
          ? { debug: { request_id: requestIdOf(request), namespace: tenant.namespace, step_ms: step, series_read: series, watched_pods: pods ? pods.uids.size : null, duration_ms: Math.round((performance.now() - started) * 100) / 100 } }
          : {}),
      };
    },
  );

  app.post(
    '/tenants/:tenantId/monitoring',
    {
      bodyLimit: POST_BODY_LIMIT,
      config: { access: 'infra:manage' },
      schema: {
        tags,
        summary: "Store a tenant's metrics as series (units in the names; labels tenant_id and namespace)",
        params: TenantParams,
        body: PostMetricsBody,
        response: { 201: PostMetricsAnswer, ...EcpErrors },
      },
    },
    async (request, reply) => {
      const tenant = tenantFor(request, request.params.tenantId);
      const now = Date.now();
      const ts = request.body.timestamp === undefined ? now : Date.parse(request.body.timestamp);
      if (!Number.isFinite(ts)) throw validationError('timestamp', 'not a date-time');
      if (ts > now + clockToleranceMs) throw validationError('timestamp', `more than ${cfg.clockTolerance} ahead of the hub's clock`);
      const metrics = request.body.metrics as Partial<Record<PostedName, number>>;
      const rows = postedRows(tenant, metrics, ts);
      const result = deps.tsdb.write(rows);
      // The store refuses samples older than its raw retention: nothing of the post was kept then.
      if (result.rejected > 0) throw validationError('timestamp', 'older than the time-series store keeps raw samples (tsdb retention)');
      const values = Object.fromEntries(Object.entries(metrics).map(([name, v]) => [POSTED_METRICS[name as PostedName].key, v]));
      deps.bus.emit('ecp-tenant-metrics', { tenantId: tenant.tenantId, ts, values });
      return reply.status(201).send({ tenant_id: tenant.tenantId, timestamp: iso(ts), stored: result.written, duplicates: result.duplicates, series: rows.map((r) => r.metric) });
    },
  );

  app.get(
    '/monitoring/system',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: "The clusters' live capacity (Ready nodes' allocatable) against the real tenants' quotas; a cluster that does not answer is reported down",
        response: { 200: SystemAnswer, ...EcpErrors },
      },
    },
    async (request) => {
      const started = performance.now();
      const capacities = await Promise.all(clusters.map((c) => readClusterCapacity(c, capacityTimeoutMs)));
      const all = service.tenants.list({ skip: 0, limit: deps.config.ecp.maxTenants });
      // Demo tenants run nowhere: only real ones hold cluster quota.
      const used = { cpuMilli: 0, memoryMi: 0, gpu: 0, storageGi: 0 };
      for (const t of all.tenants) {
        if (t.isDemo) continue;
        const s = sizingOf(t);
        used.cpuMilli += s.cpuMilli;
        used.memoryMi += s.memoryMi;
        used.gpu += s.gpu;
        used.storageGi += s.storageGi;
      }
      const up = capacities.flatMap((c) => (c.status === 'up' ? [c] : []));
      const total = up.length === 0 ? null : up.reduce((a, c) => ({ cpuMilli: a.cpuMilli + c.allocatable.cpuMilli, memoryBytes: a.memoryBytes + c.allocatable.memoryBytes, gpu: a.gpu + c.allocatable.gpu }), { cpuMilli: 0, memoryBytes: 0, gpu: 0 });
      const totalMi = total === null ? null : Math.floor(total.memoryBytes / 1024 ** 2);
      const status = clusters.length === 0 ? 'not_configured' : up.length === 0 ? 'down' : up.length < clusters.length || up.some((c) => c.readyNodes < c.nodes) ? 'degraded' : 'healthy';
      const unavailable: Record<string, string> = { storage: 'clusters report no storage capacity for tenants (persistent volumes are not counted): total and utilisation of storage are unknown' };
      if (clusters.length === 0) unavailable.total_resources = 'no Kubernetes cluster is configured (kubernetes.clusters)';
      else if (up.length === 0) unavailable.total_resources = 'no cluster answered: capacity unknown';
      else if (up.length < clusters.length) unavailable.total_resources = `totals cover the clusters that answered: ${capacities.filter((c) => c.status === 'down').map((c) => c.name).join(', ')} down`;
      return {
        cluster_status: status,
        total_tenants: all.total,
        active_tenants: all.active,
        demo_tenants: all.demo,
        total_resources: {
          cpu: total ? quantity.cpu(total.cpuMilli) : null,
          memory: totalMi === null ? null : quantity.memory(totalMi),
          gpu: total ? total.gpu : null,
          storage: null,
        },
        used_resources: { cpu: quantity.cpu(used.cpuMilli), memory: quantity.memory(used.memoryMi), gpu: used.gpu, storage: quantity.storage(used.storageGi) },
        utilization: {
          cpu: percent(used.cpuMilli, total?.cpuMilli ?? null),
          memory: percent(used.memoryMi, totalMi),
          gpu: percent(used.gpu, total?.gpu ?? null),
          storage: null,
        },
        clusters: capacities.map((c) => ({
          name: c.name,
          status: c.status,
          reason: c.reason,
          nodes: c.nodes,
          ready_nodes: c.readyNodes,
          allocatable: c.allocatable ? { cpu: quantity.cpu(c.allocatable.cpuMilli), memory: quantity.memory(Math.floor(c.allocatable.memoryBytes / 1024 ** 2)), gpu: c.allocatable.gpu } : null,
        })),
        unavailable,
        ...(debugWanted(request) ? { debug: { request_id: requestIdOf(request), capacity_timeout_ms: capacityTimeoutMs, duration_ms: Math.round((performance.now() - started) * 100) / 100 } } : {}),
      };
    },
  );
}
