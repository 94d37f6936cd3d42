import { Type } from '@sinclair/typebox';
import { MANIFEST_LIMITS } from '../../integrations/kubernetes/manifest-check.js';
import { MAX_CHANNELS, SERVICE_TYPES } from '../../integrations/kubernetes/sizing.js';

/**
 * Refuses unknown fields (422 naming them) rather than the validator's
 * default of dropping them: a misspelt service or SLA key must not be sized
 * as absent.
 */
const strict = { additionalProperties: Type.Never() };

/** `{error: {code, message, details, timestamp, request_id}}` (errors.ts). */
export const EcpErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Object({}, { additionalProperties: true }),
      timestamp: Type.String({ format: 'date-time' }),
      request_id: Type.String(),
    }),
  },
  { description: 'ECP error body' },
);
export const EcpErrors = { '4xx': EcpErrorBody, '5xx': EcpErrorBody };

/** A DNS label short enough that `ecp-ai-<id>` is one too (63 characters). */
export const TenantId = Type.String({ minLength: 1, maxLength: 56, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'DNS label, at most 56 characters' });
export const TenantParams = Type.Object({ tenantId: TenantId });

const Channels = Type.Integer({ minimum: 0, maximum: MAX_CHANNELS });
export const ServiceRequirements = Type.Object(Object.fromEntries(SERVICE_TYPES.map((s) => [s, Type.Optional(Channels)])), {
  ...strict,
  description: 'concurrent channels per service type',
});
export const SlaTarget = Type.Object(
  {
    availability: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. "99.9%"' })),
    response_time: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. "200ms" or "1.5s"' })),
    concurrent_users: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  },
  strict,
);

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 1000 });
/** Checked by the route (INVALID_PRESET, as the seed names it), not by the schema (which would answer 422). */
const PresetText = Type.String({ maxLength: 32 });

export const CreateTenantBody = Type.Object(
  {
    tenant_id: TenantId,
    name: Name,
    preset: Type.Optional(PresetText),
    service_requirements: ServiceRequirements,
    sla_target: Type.Optional(SlaTarget),
    description: Type.Optional(Description),
  },
  strict,
);

export const UpdateTenantBody = Type.Object(
  {
    name: Type.Optional(Name),
    preset: Type.Optional(PresetText),
    service_requirements: Type.Optional(ServiceRequirements),
    sla_target: Type.Optional(SlaTarget),
    description: Type.Optional(Description),
  },
  strict,
);

export const ListQuery = Type.Object(
  {
    skip: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    preset: Type.Optional(PresetText),
    status: Type.Optional(Type.Union(['pending', 'running', 'failed', 'deleting'].map((s) => Type.Literal(s)))),
  },
  strict,
);

export const DeleteQuery = Type.Object({ force: Type.Boolean({ default: false }) }, strict);

/** `tenant_id` (not in the seed): a running tenant whose measured GPU energy is added to the cost (docs/ecp.md, "Energy in the cost"). */
export const CalculateBody = Type.Object({ service_requirements: ServiceRequirements, sla_target: Type.Optional(SlaTarget), tenant_id: Type.Optional(TenantId) }, strict);

export const ManifestQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('yaml'), Type.Literal('json')], { default: 'yaml' }),
    include_monitoring: Type.Boolean({ default: true }),
    include_ingress: Type.Boolean({ default: false }),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' })),
  },
  strict,
);

export const ValidateManifestBody = Type.Object(
  { tenant_id: Type.Optional(TenantId), manifest_content: Type.String({ minLength: 1, maxLength: MANIFEST_LIMITS.maxBytes }) },
  strict,
);

const Resources = Type.Object({ cpu: Type.String(), memory: Type.String(), gpu: Type.Integer(), storage: Type.Optional(Type.String()) });
export const Alternative = Type.Object({ preset: Type.String(), resources: Resources, cost: Type.String(), performance_impact: Type.String() });

export const TenantSummary = Type.Object({
  tenant_id: Type.String(),
  name: Type.String(),
  preset: Type.String(),
  is_demo: Type.Boolean(),
  status: Type.String(),
  services_count: Type.Integer(),
  cpu_limit: Type.String(),
  memory_limit: Type.String(),
  gpu_limit: Type.Integer(),
  storage_limit: Type.String(),
  gpu_type: Type.Union([Type.String(), Type.Null()]),
  sla_availability: Type.String(),
  sla_response_time: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  description: Type.Union([Type.String(), Type.Null()]),
});

export const TenantList = Type.Object({
  tenants: Type.Array(TenantSummary),
  total_count: Type.Integer(),
  demo_count: Type.Integer(),
  active_count: Type.Integer(),
  pagination: Type.Object({ skip: Type.Integer(), limit: Type.Integer(), has_more: Type.Boolean() }),
});

const ServiceView = Type.Object({
  service_name: Type.String(),
  service_type: Type.String(),
  enabled: Type.Boolean(),
  count: Type.Integer({ description: 'concurrent channels' }),
  replicas: Type.Integer(),
  image: Type.String(),
  resources: Type.Object({ cpu_request: Type.String(), memory_request: Type.String(), cpu_limit: Type.String(), memory_limit: Type.String(), gpu: Type.Integer() }),
});

export const TenantDetail = Type.Object({
  tenant_id: Type.String(),
  name: Type.String(),
  preset: Type.String(),
  is_demo: Type.Boolean(),
  status: Type.String(),
  service_requirements: Type.Record(Type.String(), Type.Integer()),
  resources: Resources,
  gpu_type: Type.Union([Type.String(), Type.Null()]),
  sla_target: Type.Object({ availability: Type.String(), response_time: Type.String(), concurrent_users: Type.Optional(Type.Integer()) }),
  services: Type.Array(ServiceView),
  namespace: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  deployment_id: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  /** PUT of a real tenant's re-size whose cluster's capacity could not be read: why (the deployment goes on). */
  warnings: Type.Optional(Type.Array(Type.String())),
});

export const CreateAnswer = Type.Object({
  tenant_id: Type.String(),
  status: Type.String(),
  is_demo: Type.Boolean(),
  deployment_id: Type.String(),
  estimated_resources: Resources,
  estimated_cost: Type.String(),
  deployment_time: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  /** A real tenant whose cluster's capacity could not be read: why (the deployment goes on and retries). */
  warnings: Type.Optional(Type.Array(Type.String())),
});

export const DeleteAnswer = Type.Object({ message: Type.String(), deletion_id: Type.String(), estimated_time: Type.String() });

export const CalculateAnswer = Type.Object({
  recommended_preset: Type.String(),
  resources: Resources,
  gpu_type: Type.Union([Type.String(), Type.Null()]),
  estimated_cost: Type.String(),
  deployment_time: Type.String(),
  services: Type.Array(Type.Object({ service: Type.String(), channels: Type.Integer(), replicas: Type.Integer(), cpu_request: Type.String(), memory_request: Type.String(), gpu: Type.Integer() })),
  alternatives: Type.Array(Alternative),
  /** With `tenant_id`: its measured GPU energy over the last month and its monthly price (in estimated_cost); null with `unavailable.energy` when none was measured. */
  energy: Type.Optional(
    Type.Union([
      Type.Object({
        tenant_id: Type.String(),
        window_hours: Type.Number(),
        hours_measured: Type.Number(),
        measured_kwh: Type.Number(),
        average_power_watts: Type.Number(),
        monthly_kwh: Type.Number(),
        price_per_kwh: Type.Number(),
        monthly_cost: Type.String(),
      }),
      Type.Null(),
    ]),
  ),
  unavailable: Type.Optional(Type.Object({ energy: Type.String() })),
});

export const ValidateAnswer = Type.Object({
  valid: Type.Boolean(),
  warnings: Type.Array(Type.String()),
  errors: Type.Array(Type.String()),
  resource_summary: Type.Object({
    namespaces: Type.Integer(),
    deployments: Type.Integer(),
    services: Type.Integer(),
    configmaps: Type.Integer(),
    secrets: Type.Integer(),
    total_cpu: Type.String(),
    total_memory: Type.String(),
    total_gpu: Type.Integer(),
    estimated_pods: Type.Integer(),
  }),
  estimated_cost: Type.String(),
  deployment_time: Type.String(),
});

const ResourceState = Type.Object({ type: Type.String(), name: Type.String(), status: Type.String(), replicas: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) });
export const DeploymentStatus = Type.Object({
  tenant_id: Type.String(),
  deployment_id: Type.String(),
  is_demo: Type.Boolean(),
  kind: Type.String(),
  status: Type.String(),
  progress: Type.Integer(),
  phase: Type.String(),
  created_resources: Type.Array(ResourceState),
  pending_resources: Type.Array(ResourceState),
  estimated_completion: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  logs: Type.Array(Type.Object({ timestamp: Type.String(), level: Type.String(), message: Type.String() })),
  /** Real tenants: where the Deployments and events were read (`watch`, `list`), or null with the reason they could not be. */
  live: Type.Optional(
    Type.Object({ cluster: Type.String(), source: Type.Union([Type.Literal('watch'), Type.Literal('list'), Type.Null()]), reason: Type.Union([Type.String(), Type.Null()]) }),
  ),
});
