import { METRICS } from '../../../shared/metrics/index.js';
import { inventoryGpus } from '../../fleet/gpus.js';
import type { LatestSample } from '../../fleet/latest-values.js';
import type { NodeView } from '../../fleet/node-directory.js';
import { renderFleet } from '../../prometheus/fleet-exporter.js';
import type { ApiDeps } from '../deps.js';
import { monitorErrorHandler } from '../monitor/errors.js';
import type { Api, RouteModule } from '../types.js';
import { metricsAccess } from './config.js';
import { renderHubGauges } from './hub-gauges.js';

/** GPU UUID -> product name over every node's inventory (dcgm-exporter's `modelName`). */
function modelNames(nodes: readonly NodeView[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of nodes) for (const g of inventoryGpus(n)) if (g.name) out.set(g.uuid, g.name);
  return out;
}

/**
 * The hub's Prometheus endpoint, GET /metrics (root path, where scrapers
 * look): the hub's registry (ingest, broker), the API's request metrics,
 * `kcloud_hub_*` state gauges, then every fresh fleet series under
 * dcgm-exporter / kcloud names with `Hostname` and `cluster` labels.
 */
export const hubMetricsRoutes: RouteModule = async (root, deps) => {
  // Its own scope with the monitor error body: the server's error handler is set after this route is registered.
  await root.register(async (scope) => {
    scope.setErrorHandler(monitorErrorHandler);
    registerMetricsRoute(scope as unknown as Api, deps);
  });
};

function registerMetricsRoute(app: Api, deps: ApiDeps): void {
  app.get(
    '/metrics',
    { config: { access: metricsAccess(deps.config) }, schema: { tags: ['metrics'], summary: 'The hub and its fleet in the Prometheus text format' } },
    async (_request, reply) => {
      const now = Date.now();
      const since = deps.fleet.freshSince(now);
      // Re-read registrations: the directory refreshes every few seconds, and a scrape must count a node the CLI has just added.
      deps.fleet.nodes.reload();
      const nodes = deps.fleet.nodes.list();
      // An offline node's last values are not current (its Last Will or a clean offline said so): dropped at once, as the agent's own endpoint does, instead of lingering until they go stale.
      const offline = new Set(nodes.filter((n) => n.state === 'offline').map((n) => n.name));
      const current = (samples: LatestSample[]) => (offline.size === 0 ? samples : samples.filter((s) => !offline.has(s.labels.node ?? '')));
      const byMetric = new Map<string, LatestSample[]>(METRICS.map((m) => [m.name, current(deps.fleet.latest.select(m.name, {}, since))]));
      let fleetSeries = 0;
      for (const s of byMetric.values()) fleetSeries += s.length;
      const parts = [
        await deps.registry.metrics(),
        await app.apiMetrics.registry.metrics(),
        await renderHubGauges({ state: await deps.hubState(), nodes, fleetSeries, now }),
        await renderFleet({ samples: (m) => byMetric.get(m) ?? [], models: modelNames(nodes) }),
      ];
      return reply.type(deps.registry.contentType).send(parts.join(''));
    },
  );
}
