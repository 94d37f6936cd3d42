import { Type } from '@sinclair/typebox';
import type { PveMonitoring } from '../../pve-manager/monitoring-service.js';
import type { RouteModule } from '../types.js';
import { PveErrors } from './schemas.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
const Url = Type.Union([Type.String(), Type.Null()]);
const BackendState = Type.Union([Type.Literal('running'), Type.Literal('unreachable'), Type.Literal('error'), Type.Literal('not_configured')]);
const Why = Type.Optional(Type.String({ description: 'why the status is not running' }));

const MetricsAnswer = Type.Object({
  server_id: Type.Integer(),
  server_name: Type.String(),
  source: Type.Union([Type.Literal('kcloud_agent'), Type.Literal('pve_rrddata')], { description: "the server's kcloud agent when it reports current host series, else PVE's rrddata" }),
  metrics: Type.Object({ cpu_usage: Num, memory_usage: Num, disk_usage: Num, network_in: Num, network_out: Num, timestamp: Type.String({ format: 'date-time' }) }),
});

const StatusAnswer = Type.Object({
  prometheus: Type.Object({ status: BackendState, url: Url, targets: Count, healthy_targets: Count, error: Why }),
  grafana: Type.Object({ status: BackendState, url: Url, dashboards: Count, error: Why }),
  node_exporters: Type.Object({ total: Type.Integer({ minimum: 0 }), active: Type.Integer({ minimum: 0 }), inactive: Type.Integer({ minimum: 0 }), error: Type.Optional(Type.String()) }),
});

const UpdateAnswer = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  file: Type.String({ description: 'the file_sd file written' }),
  targets: Type.Integer({ minimum: 0 }),
  servers: Type.Integer({ minimum: 0 }),
  nodes: Type.Integer({ minimum: 0 }),
  reload: Type.Union([Type.Literal('done'), Type.Literal('failed'), Type.Literal('not_configured')]),
  reload_error: Type.Union([Type.String(), Type.Null()]),
});

const tags = ['pve-manager: monitoring'];

/**
 * GET /api/monitoring/status, GET /api/monitoring/metrics/{server_id} and
 * POST /api/monitoring/prometheus/update (docs/proxmox.md, "Monitoring").
 */
export const pveMonitoringRoutes =
  (monitoring: PveMonitoring): RouteModule =>
  (app) => {
    app.get('/monitoring/status', { config: { access: 'metrics:read' }, schema: { tags, summary: 'The configured Prometheus and Grafana, and the agents of the managed servers and PVE nodes', response: { 200: StatusAnswer, ...PveErrors } } }, async () =>
      monitoring.status(),
    );
    app.get(
      '/monitoring/metrics/:server_id',
      { config: { access: 'metrics:read' }, schema: { tags, params: Type.Object({ server_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) }), response: { 200: MetricsAnswer, ...PveErrors } } },
      async (request) => {
        const { server, source, metrics } = await monitoring.metrics(request.params.server_id);
        return { server_id: server.id, server_name: server.name, source, metrics };
      },
    );
    app.post(
      '/monitoring/prometheus/update',
      { config: { access: 'infra:manage' }, schema: { tags, summary: "Writes the agents' file_sd targets and reloads Prometheus", response: { 200: UpdateAnswer, ...PveErrors } } },
      async () => {
        const written = await monitoring.updatePrometheus();
        const message = written.reload === 'failed' ? 'Prometheus 타겟을 기록했지만 리로드에 실패했습니다' : 'Prometheus 설정이 업데이트되었습니다';
        return { success: true, message, ...written };
      },
    );
  };
