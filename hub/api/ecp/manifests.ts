import { Type } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { checkManifest, ManifestUnreadable, parseManifest } from '../../integrations/kubernetes/manifest-check.js';
import type { EcpConfig } from '../../integrations/kubernetes/ecp-config.js';
import { deploymentTime, monthlyCost, PRESETS, quantity, type Preset } from '../../integrations/kubernetes/sizing.js';
import { capacityWarnings } from '../../integrations/kubernetes/capacity-check.js';
import type { ClusterCapacity } from '../../integrations/kubernetes/cluster-capacity.js';
import type { Api } from '../types.js';
import { addDebug, debugInHeader, isDemoRequest } from './headers.js';
import { EcpError } from './errors.js';
import { EcpErrors, ManifestQuery, TenantParams, ValidateAnswer, ValidateManifestBody } from './schemas.js';
import { manifestOf } from '../../integrations/kubernetes/tenant-manifest.js';
import type { TenantService } from './tenant-service.js';

const tags = ['ecp: manifests'];

/** The seed's manifest API: a tenant's objects, and the check of a manifest a client brings. */
export function manifestRoutes(app: Api, service: TenantService, config: EcpConfig, readCapacity: () => Promise<ClusterCapacity | null>) {
  app.get(
    '/tenants/:tenantId/manifest',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: 'The tenant\'s Kubernetes objects: YAML documents, or JSON as a v1 List',
        params: TenantParams,
        querystring: ManifestQuery,
        produces: ['application/yaml', 'application/json'],
        response: { 200: Type.String({ description: 'YAML documents, or a JSON v1 List' }), ...EcpErrors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      debugInHeader(request);
      const objects = manifestOf(service.get(request.params.tenantId), { namespace: q.namespace, includeMonitoring: q.include_monitoring, includeIngress: q.include_ingress });
      if (q.format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      return reply.type('application/yaml; charset=utf-8').send(objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'));
    },
  );

  app.post(
    '/tenants/validate-manifest',
    {
      config: { access: 'metrics:read' },
      schema: { tags, summary: 'Check a multi-document manifest against the Kubernetes schemas', body: ValidateManifestBody, response: { 200: ValidateAnswer, ...EcpErrors } },
    },
    async (request) => {
      let objects: unknown[];
      try {
        objects = parseManifest(request.body.manifest_content);
      } catch (err) {
        if (err instanceof ManifestUnreadable) throw new EcpError(422, 'MANIFEST_INVALID', `manifest_content: ${err.message}`, { field: 'manifest_content' });
        throw err;
      }
      const check = checkManifest(objects);
      const s = check.summary;
      // The GPU price of the tenant's preset when it names one of ours, else of the Namespace's preset label, else of small.
      const tenant = request.body.tenant_id ? service.tenants.get(request.body.tenant_id) : null;
      const label = (PRESETS as readonly string[]).includes(check.presetLabel ?? '') ? (check.presetLabel as Preset) : null;
      const preset: Preset = tenant?.preset ?? label ?? 'small';
      const memoryMi = Math.ceil(s.total_memory_bytes / 1024 ** 2);
      // The live nodes of the tenants' cluster; a demo request contacts no cluster (nothing of a demo runs on one).
      const demand = { cpuMilli: s.total_cpu_milli, memoryBytes: s.total_memory_bytes, gpu: s.total_gpu };
      let capacityNotes = ['cluster capacity not checked: demo mode (X-Demo-Mode: true) contacts no cluster'];
      if (!isDemoRequest(request)) {
        const capacity = await readCapacity();
        const held = service.heldByOthers(request.body.tenant_id);
        addDebug(request, { capacity, held });
        capacityNotes = capacityWarnings(demand, capacity, held);
      }
      const cost = monthlyCost({ cpuMilli: s.total_cpu_milli, memoryMi, gpu: s.total_gpu, storageGi: 0 }, s.total_gpu > 0 ? config.gpuTypeByPreset[preset] : null, config.prices);
      return {
        valid: check.errors.length === 0,
        warnings: [...check.warnings, ...capacityNotes],
        errors: check.errors,
        resource_summary: {
          namespaces: s.namespaces,
          deployments: s.deployments,
          services: s.services,
          configmaps: s.configmaps,
          secrets: s.secrets,
          total_cpu: quantity.cpu(s.total_cpu_milli),
          total_memory: quantity.memory(memoryMi),
          total_gpu: s.total_gpu,
          estimated_pods: s.estimated_pods,
        },
        estimated_cost: cost.text,
        deployment_time: deploymentTime(s.estimated_pods),
      };
    },
  );
}
