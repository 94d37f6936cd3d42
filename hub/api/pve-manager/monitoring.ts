import { Type } from '@sinclair/typebox';
import type { PveManager } from '../../pve-manager/manager.js';
import type { RouteModule } from '../types.js';
import { PveErrors } from './schemas.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const MetricsAnswer = Type.Object({
  server_id: Type.Integer(),
  server_name: Type.String(),
  source: Type.Literal('pve_rrddata', { description: 'where the values come from' }),
  metrics: Type.Object({ cpu_usage: Num, memory_usage: Num, disk_usage: Num, network_in: Num, network_out: Num, timestamp: Type.String({ format: 'date-time' }) }),
});

/** GET /api/monitoring/metrics/{server_id}: the newest PVE rrddata point of a managed server (%, bytes/s). */
export const pveMonitoringRoutes =
  (manager: PveManager): RouteModule =>
  (app) => {
    app.get(
      '/monitoring/metrics/:server_id',
      { config: { access: 'metrics:read' }, schema: { tags: ['pve-manager: monitoring'], params: Type.Object({ server_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) }), response: { 200: MetricsAnswer, ...PveErrors } } },
      async (request) => {
        const { server, metrics } = await manager.metrics(request.params.server_id);
        return { server_id: server.id, server_name: server.name, source: 'pve_rrddata' as const, metrics };
      },
    );
  };
