import { Type } from '@sinclair/typebox';
import { renderFleet } from '../../prometheus/fleet-exporter.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { withErrors } from '../monitor/schemas/common.js';
import type { Api } from '../types.js';
import { metricsAccess } from './config.js';
import { fleetSeries } from './fleet-series.js';

/** One http_sd_configs target group (Prometheus's HTTP SD format). */
interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The target list as documented and serialised (a top-level array: the HTTP SD format). */
const TargetGroups = Type.Array(Type.Object({ targets: Type.Array(Type.String()), labels: Type.Record(Type.String(), Type.String()) }));

/**
 * Per-node scraping through the hub, so dashboards' `instance` variable
 * picks a host:
 * - GET /api/v1/prometheus/targets: Prometheus HTTP service discovery
 *   (`http_sd_configs`), one target group per registered node: this hub's
 *   address (as the request reached it), `__metrics_path__`
 *   `/metrics/nodes/<node>` and `instance` set to the node's name.
 * - GET /metrics/nodes/:node_name: that node's fresh series under the same names
 *   and labels as GET /metrics (no hub internals).
 * Both need what GET /metrics needs (`metrics:read`, or nothing with
 * `metrics.access: public`): the target list names every host.
 */
export function registerNodeTargetRoutes(app: Api, deps: ApiDeps): void {
  const access = metricsAccess(deps.config);
  app.get(
    '/api/v1/prometheus/targets',
    { config: { access }, schema: { tags: ['metrics'], summary: 'Prometheus HTTP service discovery: one scrape target per node, through the hub', response: withErrors(TargetGroups) } },
    async (request) => {
      deps.fleet.nodes.reload();
      const address = request.host;
      const groups: TargetGroup[] = deps.fleet.nodes
        .list()
        .map((n) => ({ targets: [address], labels: { __metrics_path__: `/metrics/nodes/${encodeURIComponent(n.name)}`, __scheme__: request.protocol, instance: n.name } }));
      return groups;
    },
  );
  app.get(
    '/metrics/nodes/:node_name',
    {
      config: { access },
      schema: { tags: ['metrics'], summary: "One node's series in the Prometheus text format", params: Type.Object({ node_name: Type.String({ minLength: 1, maxLength: 253 }) }) },
    },
    async (request, reply) => {
      const { node_name: node } = request.params as { node_name: string };
      const fleet = fleetSeries(deps, Date.now(), node);
      if (!fleet.nodes.some((n) => n.name === node)) throw notFound(`node ${node}`);
      const text = await renderFleet({ samples: (m) => fleet.byMetric.get(m) ?? [], gpus: fleet.gpus, gpuPods: fleet.gpuPods, options: deps.config.metrics });
      return reply.type(deps.registry.contentType).send(text);
    },
  );
}
