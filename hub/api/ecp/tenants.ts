import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EcpConfig } from '../../integrations/kubernetes/ecp-config.js';
import { alternatives, deploymentTime, gpuTypeOf, HOURS_PER_MONTH, monthlyCost, quantity, sizeTenant, type Requirements } from '../../integrations/kubernetes/sizing.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import type { ClusterCapacity } from '../../integrations/kubernetes/cluster-capacity.js';
import type { Api } from '../types.js';
import { validationError } from './errors.js';
import { addDebug, isDemoRequest } from './headers.js';
import {
  CalculateAnswer,
  CalculateBody,
  CreateAnswer,
  CreateTenantBody,
  DeleteAnswer,
  DeleteQuery,
  DeploymentStatus,
  EcpErrors,
  ListQuery,
  TenantDetail,
  TenantList,
  TenantParams,
  UpdateTenantBody,
} from './schemas.js';
import { sizingOf } from '../../integrations/kubernetes/tenant-manifest.js';
import { requireTenantAccess } from './tenant-access.js';
import type { tenantEnergy } from './tenant-energy.js';
import type { TenantLive } from './tenant-live.js';
import { parsePreset, parseSla, type TenantService } from './tenant-service.js';
import { deploymentStatus, resourcesOf, tenantDetail, tenantSummary } from './views.js';

const tags = ['ecp: tenants'];

const userIdOf = (request: FastifyRequest) => request.principal?.userId ?? null;

/** The seed's tenant routes (ecp-ai-orchestrator-api.md, "테넌트 관리 API") and the deployment status. */
export function tenantRoutes(
  app: Api,
  service: TenantService,
  config: EcpConfig,
  stepMs: number,
  readCapacity: () => Promise<ClusterCapacity | null>,
  measuredEnergy: (tenant: Tenant) => ReturnType<typeof tenantEnergy>,
  liveOf: (tenant: Tenant) => Promise<TenantLive | null>,
) {
  const list = async (request: FastifyRequest<{ Querystring: { skip: number; limit: number; preset?: string; status?: 'pending' | 'running' | 'failed' | 'deleting' } }>) => {
    const q = request.query;
    const preset = q.preset === undefined ? undefined : parsePreset(q.preset);
    const page = service.tenants.list({ preset, status: q.status, skip: q.skip, limit: q.limit });
    return {
      tenants: page.tenants.map((t) => tenantSummary(t, config)),
      total_count: page.total,
      demo_count: page.demo,
      active_count: page.active,
      pagination: { skip: q.skip, limit: q.limit, has_more: q.skip + page.tenants.length < page.total },
    };
  };
  const listSchema = { tags, summary: 'Tenants, filtered by preset and status', querystring: ListQuery, response: { 200: TenantList, ...EcpErrors } };
  // The seed writes the collection with a trailing slash; both spellings answer.
  app.get('/tenants', { config: { access: 'metrics:read' }, schema: listSchema }, list);
  app.get('/tenants/', { config: { access: 'metrics:read' }, schema: { ...listSchema, hide: true } }, list);

  const create = async (request: FastifyRequest<{ Body: typeof CreateTenantBody.static }>, reply: FastifyReply) => {
    const demo = isDemoRequest(request);
    // Real tenants only: a demo never contacts the cluster.
    const capacity = demo ? undefined : await readCapacity();
    addDebug(request, { capacity: capacity ?? null });
    const { tenant, task, sizing, warnings } = service.create(request.body, demo, userIdOf(request), capacity);
    const gpuType = gpuTypeOf(sizing, config);
    return reply.status(201).send({
      tenant_id: tenant.tenantId,
      status: tenant.status,
      is_demo: tenant.isDemo,
      deployment_id: task.id,
      estimated_resources: resourcesOf(sizing),
      estimated_cost: monthlyCost(sizing, gpuType, config.prices).text,
      deployment_time: deploymentTime(sizing.pods),
      created_at: new Date(tenant.createdAt).toISOString(),
      ...(warnings.length > 0 ? { warnings } : {}),
    });
  };
  const createSchema = { tags, summary: 'Create a tenant (demo: simulated deployment)', body: CreateTenantBody, response: { 201: CreateAnswer, ...EcpErrors } };
  const createConfig = { access: 'infra:manage' as const, audit: { action: 'create', resource: 'ecp_tenant' } };
  app.post('/tenants', { config: createConfig, schema: createSchema }, create);
  app.post('/tenants/', { config: createConfig, schema: { ...createSchema, hide: true } }, create);

  app.post(
    '/tenants/calculate-resources',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'Size services for an SLA (docs/ecp.md, "Sizing model")', body: CalculateBody, response: { 200: CalculateAnswer, ...EcpErrors } } },
    async (request) => {
      const requirements = request.body.service_requirements as Requirements;
      const { sla } = parseSla(request.body.sla_target);
      const sized = sizeTenant(requirements, sla);
      if (sized.totalChannels === 0) throw validationError('service_requirements', 'at least one service needs channels');
      const gpuType = gpuTypeOf(sized, config);
      // A running tenant's measured energy (its own or, for admins, any: the same rule as its monitoring).
      const tenant = request.body.tenant_id === undefined ? null : service.get(request.body.tenant_id);
      if (tenant) requireTenantAccess(request.principal!, tenant);
      const measured = tenant ? measuredEnergy(tenant) : null;
      const e = measured?.energy ?? null;
      const p = config.prices;
      return {
        recommended_preset: sized.preset,
        resources: resourcesOf(sized),
        gpu_type: gpuType,
        estimated_cost: monthlyCost(sized, gpuType, p, e?.monthlyCost ?? 0).text,
        ...(tenant
          ? {
              energy: e && {
                tenant_id: tenant.tenantId,
                window_hours: HOURS_PER_MONTH,
                hours_measured: e.hoursMeasured,
                measured_kwh: e.measuredKWh,
                average_power_watts: e.averageWatts,
                monthly_kwh: e.monthlyKWh,
                price_per_kwh: p.electricityKWh,
                monthly_cost: `${p.currency}${e.monthlyCost.toFixed(2)}/month`,
              },
            }
          : {}),
        ...(measured?.reason ? { unavailable: { energy: measured.reason } } : {}),
        deployment_time: deploymentTime(sized.pods),
        services: sized.services.map((s) => ({
          service: s.service,
          channels: s.channels,
          replicas: s.replicas,
          cpu_request: quantity.cpu(s.cpuRequestMilli),
          memory_request: quantity.memory(s.memoryRequestMi),
          gpu: s.gpu,
        })),
        alternatives: alternatives(requirements, sla, sized, config),
      };
    },
  );

  app.get(
    '/tenants/:tenantId',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'One tenant with its services', params: TenantParams, response: { 200: TenantDetail, ...EcpErrors } } },
    async (request) => tenantDetail(service.get(request.params.tenantId), config),
  );

  app.put(
    '/tenants/:tenantId',
    {
      config: { access: 'infra:manage', audit: { action: 'update', resource: 'ecp_tenant' } },
      schema: { tags, summary: 'Change a tenant; a new sizing is re-applied', params: TenantParams, body: UpdateTenantBody, response: { 200: TenantDetail, ...EcpErrors } },
    },
    async (request) => {
      const demo = isDemoRequest(request);
      const capacity = demo ? undefined : await readCapacity();
      addDebug(request, { capacity: capacity ?? null });
      const { tenant, task, warnings } = service.update(request.params.tenantId, request.body, demo, capacity);
      return { ...tenantDetail(tenant, config, task?.id), ...(warnings.length > 0 ? { warnings } : {}) };
    },
  );

  app.delete(
    '/tenants/:tenantId',
    {
      config: { access: 'infra:manage', audit: { action: 'delete', resource: 'ecp_tenant' } },
      schema: { tags, summary: 'Delete a tenant (its namespace)', params: TenantParams, querystring: DeleteQuery, response: { 200: DeleteAnswer, ...EcpErrors } },
    },
    async (request) => {
      const task = service.delete(request.params.tenantId, request.query.force, isDemoRequest(request));
      return { message: task.isDemo ? 'tenant deletion started (demo: simulated)' : 'tenant deletion started', deletion_id: task.id, estimated_time: deploymentTime(task.steps.length) };
    },
  );

  app.get(
    '/tenants/:tenantId/deployment-status',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'Progress of the tenant\'s latest deployment or deletion', params: TenantParams, response: { 200: DeploymentStatus, ...EcpErrors } } },
    async (request) => {
      const tenant = service.get(request.params.tenantId);
      const task = service.tasks.latest(tenant.tenantId)!;
      const replicas = new Map(sizingOf(tenant).services.map((s) => [s.service, s.replicas] as const));
      return deploymentStatus(task, stepMs, Date.now(), replicas, await liveOf(tenant));
    },
  );
}
