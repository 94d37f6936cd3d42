import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { clusterListEntry, clusterPower, clusterSummary } from '../../clusters/bodies.js';
import { clusterCatalog, type ClusterCatalog } from '../../clusters/catalog.js';
import { clusterFigures } from '../../clusters/cluster-data.js';
import { withRegistration } from '../../clusters/registered.js';
import type { ApiDeps } from '../deps.js';
import type { RouteModule } from '../types.js';
import { envelope, type DataSource } from './envelope.js';
import { NameSchema } from './params.js';
import { ClusterListResponse, ClusterPowerResponse, ClusterSummaryResponse } from './schemas/clusters.js';

const ClusterParams = Type.Object({ cluster_name: NameSchema });

/** The catalog with the API's cache and Prometheus-query metrics. */
export function catalogOf(app: FastifyInstance, deps: ApiDeps): ClusterCatalog {
  const m = app.apiMetrics;
  return clusterCatalog(deps.config.clusters, deps.fleet, {
    hit: () => m.cacheHits.inc(),
    miss: () => m.cacheMisses.inc(),
    observeQuery: (s) => m.prometheusQueries.observe(s),
  }, () => app.proxmox.list());
}

/**
 * kcloud-monitor-api 6 (Clusters): the list, a cluster's summary and its
 * power. Agent clusters come from the fleet view, clusters configured with
 * a Prometheus `url` from that Prometheus (metadata.data_source tells which).
 */
export const clustersRoutes: RouteModule = (app, deps) => {
  const catalog = catalogOf(app, deps);

  app.get('/clusters', { config: { access: 'metrics:read' }, schema: { tags: ['clusters'], summary: 'Every cluster: agents\' and configured ones', response: ClusterListResponse } }, async (request) => {
    const infos = catalog.list();
    const showUrl = request.principal?.role === 'admin';
    const reads = await Promise.all(
      infos.map(async (info) => {
        try {
          const read = await catalog.read(info.name);
          return { entry: clusterListEntry(info, clusterFigures(read.data), null, showUrl), hit: read.cacheHit };
        } catch (err) {
          // One unreachable Prometheus must not hide the other clusters: its entry says so.
          return { entry: clusterListEntry(info, null, (err as Error).message, showUrl), hit: false };
        }
      }),
    );
    // Registered Proxmox clusters carry the registry's fields too (proxmoxer-cluster-api's Cluster object).
    const registered = new Map(app.proxmox.list().map((c) => [c.name, c]));
    const entries = reads.map((r) => withRegistration(r.entry, registered.get(r.entry.name)));
    const sources = new Set(infos.map((i) => i.source));
    const dataSource: DataSource = sources.size === 1 ? [...sources][0]! : sources.size === 0 ? 'kcloud' : 'mixed';
    // `clusters` and `total` are the list shape of proxmoxer-cluster-api.md, served on the same path.
    return envelope(request, 'cluster', entries, {
      dataSource,
      cacheHit: reads.length > 0 && reads.every((r) => r.hit),
      metadata: { total_count: entries.length },
      extra: { clusters: entries, total: entries.length },
    });
  });

  app.get(
    '/clusters/:cluster_name/summary',
    { config: { access: 'metrics:read' }, schema: { tags: ['clusters'], summary: 'One cluster\'s nodes, GPUs, pods and power', params: ClusterParams, response: ClusterSummaryResponse } },
    async (request) => {
      const name = request.params.cluster_name;
      const read = await catalog.read(name);
      return envelope(request, 'cluster_summary', clusterSummary(catalog.info(name)!, clusterFigures(read.data)), { cluster: name, dataSource: read.source, cacheHit: read.cacheHit });
    },
  );

  app.get(
    '/clusters/:cluster_name/power',
    { config: { access: 'metrics:read' }, schema: { tags: ['clusters'], summary: 'One cluster\'s power, per node and part', params: ClusterParams, response: ClusterPowerResponse } },
    async (request) => {
      const name = request.params.cluster_name;
      const read = await catalog.read(name);
      return envelope(request, 'cluster_power', clusterPower(catalog.info(name)!, clusterFigures(read.data)), { cluster: name, dataSource: read.source, cacheHit: read.cacheHit });
    },
  );
};
