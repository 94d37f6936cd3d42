import { renderFleet } from '../../prometheus/fleet-exporter.js';
import type { ApiDeps } from '../deps.js';
import { monitorErrorHandler } from '../monitor/errors.js';
import type { Api, RouteModule } from '../types.js';
import { metricsAccess } from './config.js';
import { fleetSeries } from './fleet-series.js';
import { renderHubGauges } from './hub-gauges.js';
import { registerNodeTargetRoutes } from './node-targets.js';

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
    registerNodeTargetRoutes(scope as unknown as Api, deps);
  });
};

function registerMetricsRoute(app: Api, deps: ApiDeps): void {
  app.get(
    '/metrics',
    { config: { access: metricsAccess(deps.config) }, schema: { tags: ['metrics'], summary: 'The hub and its fleet in the Prometheus text format' } },
    async (_request, reply) => {
      const now = Date.now();
      const fleet = fleetSeries(deps, now);
      const parts = [
        await deps.registry.metrics(),
        await app.apiMetrics.registry.metrics(),
        await renderHubGauges({ state: await deps.hubState(), nodes: fleet.nodes, fleetSeries: fleet.count, now }),
        await renderFleet({ samples: (m) => fleet.byMetric.get(m) ?? [], gpus: fleet.gpus, gpuPods: fleet.gpuPods, options: deps.config.metrics }),
      ];
      return reply.type(deps.registry.contentType).send(parts.join(''));
    },
  );
}
