import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { EcpDeploymentEvent, EcpTenantMetricsEvent } from '../../bus.js';
import { parseDuration } from '../../../shared/duration.js';
import { DeploymentTaskStore } from '../../integrations/kubernetes/deployment-tasks.js';
import { ALERTED_MEASURED, measuredTenants } from '../../integrations/kubernetes/measured-alerts.js';
import { latestTenantValues } from '../../integrations/kubernetes/tenant-monitoring.js';
import { TenantAlerts } from '../../integrations/kubernetes/tenant-alerts.js';
import { TenantStore } from '../../integrations/kubernetes/tenant-store.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { ecpErrorHandler, EcpError, tenantNotFound } from './errors.js';
import { TenantParams } from './schemas.js';
import { requireTenantAccess } from './tenant-access.js';
import { tenantPods } from './tenant-pods.js';
import { alertsSocket, type AlertSubscribers } from './ws-alerts.js';
import { deploymentSocket } from './ws-deployment.js';
import { monitoringSocket } from './ws-monitoring.js';
import { EcpSockets } from './ws-session.js';

const DeploymentParams = Type.Object({ deploymentId: Type.String({ pattern: '^(dep|del)-[0-9a-f]{16}$' }) });
const tags = ['ecp: websocket'];

/**
 * The seed's WebSockets at the root (ws://host:8001/ws/...): authenticated
 * like every route of the hub (Authorization, X-API-Key or the session
 * cookie on the upgrade request: 401 before the upgrade without one),
 * `metrics:read`, the tenant's creator or an admin (403 otherwise), at most
 * `ecp.monitoring.maxSocketsPerUser` per user (429). Refusals before the
 * upgrade carry the ECP error body. No X-Demo-Mode: browsers cannot set
 * headers on a WebSocket, and these only read.
 */
export const ecpWebSockets: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(ecpErrorHandler);
  const tenants = new TenantStore(deps.db);
  const tasks = new DeploymentTaskStore(deps.db);
  const sockets = new EcpSockets(app, deps, deps.config.ecp.monitoring.maxSocketsPerUser);
  const alerts = new TenantAlerts(deps.config.ecp.monitoring.alertThresholds);
  const subscribers: AlertSubscribers = new Map();
  const onMetrics = (e: EcpTenantMetricsEvent) => {
    for (const alert of alerts.observe(e.tenantId, e.values, e.ts)) for (const deliver of subscribers.get(e.tenantId) ?? []) deliver(alert);
  };
  const onDeployment = (e: EcpDeploymentEvent) => {
    if (e.deploymentId.startsWith('del-') && e.status === 'completed') alerts.forget(e.tenantId);
  };
  // Measured values: a stored batch with GPU process rows of a real tenant's pods is checked on the tenant's newest values
  // (its processes summed, utilisation averaged over its GPUs), as GET /monitoring and /ws/monitoring compute them.
  const staleMs = parseDuration(deps.config.ecp.monitoring.staleAfter);
  const podNamespace = (cluster: string, uid: string) => deps.kubernetes?.currentPod(cluster, uid)?.namespace ?? null;
  const onSamples = ({ rows }: { rows: { metric: string; labels: Record<string, string>; ts: number }[] }) => {
    for (const [tenantId, ts] of measuredTenants(rows, podNamespace)) {
      const tenant = tenants.get(tenantId);
      if (!tenant || tenant.isDemo) continue;
      const { values } = latestTenantValues(deps.tsdb, tenant, ALERTED_MEASURED, ts, staleMs, tenantPods(deps, tenant));
      const measured = Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number'));
      onMetrics({ tenantId, ts, values: measured });
    }
  };
  deps.bus.on('ecp-tenant-metrics', onMetrics);
  deps.bus.on('ecp-deployment', onDeployment);
  deps.bus.on('samples', onSamples);
  app.addHook('onClose', async () => {
    deps.bus.off('ecp-tenant-metrics', onMetrics);
    deps.bus.off('ecp-deployment', onDeployment);
    deps.bus.off('samples', onSamples);
  });

  const tenantAccess = async (request: FastifyRequest) => {
    const { tenantId } = request.params as { tenantId: string };
    const tenant = tenants.get(tenantId);
    if (!tenant) throw tenantNotFound(tenantId);
    requireTenantAccess(request.principal!, tenant);
  };
  const deploymentAccess = async (request: FastifyRequest) => {
    const { deploymentId } = request.params as { deploymentId: string };
    const task = tasks.get(deploymentId);
    if (!task) throw new EcpError(404, 'DEPLOYMENT_NOT_FOUND', `deployment ${deploymentId} not found`, { deployment_id: deploymentId });
    const tenant = tenants.get(task.tenantId);
    // A deleted tenant's deletion task: its creator is gone with it, so only admins still see it.
    requireTenantAccess(request.principal!, tenant ?? { tenantId: task.tenantId, createdBy: null });
  };
  /** Before the upgrade, after the params are validated: the tenant (or deployment) and the user's session count. */
  const checks = (access: (r: FastifyRequest) => Promise<void>) => [access, sockets.checkLimit];
  const config = { access: 'metrics:read' as const };

  app.get(
    '/ws/monitoring/:tenantId',
    { websocket: true, config, preHandler: checks(tenantAccess), schema: { tags, summary: "A tenant's newest metrics, pushed at the subscribed interval", params: TenantParams } },
    (socket: WebSocket, request) => {
      const session = sockets.open(socket, request);
      if (session) monitoringSocket(session, request.params.tenantId, deps, tenants);
    },
  );
  app.get(
    '/ws/deployment/:deploymentId',
    { websocket: true, config, preHandler: checks(deploymentAccess), schema: { tags, summary: "A deployment's progress as it changes", params: DeploymentParams } },
    (socket: WebSocket, request) => {
      const session = sockets.open(socket, request);
      if (session) deploymentSocket(session, request.params.deploymentId, deps, tasks);
    },
  );
  app.get(
    '/ws/alerts/:tenantId',
    { websocket: true, config, preHandler: checks(tenantAccess), schema: { tags, summary: "A tenant's threshold alerts", params: TenantParams } },
    (socket: WebSocket, request) => {
      const session = sockets.open(socket, request);
      if (session) alertsSocket(session, request.params.tenantId, alerts, subscribers);
    },
  );
};
