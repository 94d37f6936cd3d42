import { quantity, type ServiceSizing, type Sizing } from './sizing.js';

/** A Kubernetes object as generated (plain JSON, apply-ready). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface ManifestOptions {
  tenantId: string;
  preset: string;
  namespace: string;
  sizing: Sizing;
  includeMonitoring: boolean;
  includeIngress: boolean;
}

/** The namespace a tenant gets unless the caller names one (the seed's `ecp-ai-<tenant>`). */
export const tenantNamespace = (tenantId: string) => `ecp-ai-${tenantId}`;

const CONTAINER_PORT = 8080;
const MANAGED_BY = 'ecp-orchestrator';

function deployment(o: ManifestOptions, s: ServiceSizing): KubeObject {
  const gpu = s.gpu > 0 ? { 'nvidia.com/gpu': String(s.gpu) } : {};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.service, namespace: o.namespace, labels: { 'ecp.ai/service': s.service, 'ecp.ai/tenant': o.tenantId } },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { app: s.service } },
      template: {
        metadata: { labels: { app: s.service, 'ecp.ai/service': s.service, 'ecp.ai/tenant': o.tenantId } },
        spec: {
          containers: [
            {
              name: s.service,
              image: `ecp-ai/${s.service}:latest`,
              ports: [{ containerPort: CONTAINER_PORT }],
              resources: {
                requests: { cpu: quantity.cpu(s.cpuRequestMilli), memory: quantity.memory(s.memoryRequestMi), ...gpu },
                limits: { cpu: quantity.cpu(s.cpuLimitMilli), memory: quantity.memory(s.memoryLimitMi), ...gpu },
              },
              env: [
                { name: 'TENANT_ID', value: o.tenantId },
                { name: 'SERVICE_TYPE', value: s.service },
                { name: 'CONCURRENT_CHANNELS', value: String(s.channels) },
              ],
              envFrom: [{ configMapRef: { name: 'ecp-config' } }],
              livenessProbe: { httpGet: { path: '/health', port: CONTAINER_PORT }, initialDelaySeconds: 30, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/ready', port: CONTAINER_PORT }, initialDelaySeconds: 5, periodSeconds: 5 },
            },
          ],
        },
      },
    },
  };
}

const service = (o: ManifestOptions, s: ServiceSizing): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `${s.service}-service`, namespace: o.namespace, labels: { app: s.service, 'ecp.ai/tenant': o.tenantId } },
  spec: { selector: { app: s.service }, ports: [{ name: 'http', port: 80, targetPort: CONTAINER_PORT }], type: 'ClusterIP' },
});

/**
 * A tenant's objects in apply order (the namespace first, its quota and
 * defaults before the pods they constrain, Services after their
 * Deployments): the seed's manifest, every object valid for Kubernetes.
 */
export function tenantManifest(o: ManifestOptions): KubeObject[] {
  const { sizing, namespace } = o;
  const gpuQuota = sizing.gpu > 0 ? { 'requests.nvidia.com/gpu': String(sizing.gpu) } : {};
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'ecp.ai/tenant': o.tenantId, 'ecp.ai/preset': o.preset, 'ecp.ai/managed-by': MANAGED_BY } },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ecp-config', namespace, labels: { 'ecp.ai/tenant': o.tenantId } },
      data: { TENANT_ID: o.tenantId, PRESET: o.preset, REDIS_URL: 'redis://redis-service:6379', SERVICES: sizing.services.map((s) => s.service).join(',') },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'ecp-quota', namespace },
      spec: {
        hard: {
          'requests.cpu': quantity.cpu(sizing.cpuMilli),
          'requests.memory': quantity.memory(sizing.memoryMi),
          'limits.cpu': quantity.cpu(sizing.cpuLimitMilli),
          'limits.memory': quantity.memory(sizing.memoryLimitMi),
          ...gpuQuota,
          pods: String(sizing.pods),
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'ecp-limits', namespace },
      // Defaults for containers that declare nothing (sidecars), so the quota never refuses them for want of requests.
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] },
    },
  ];
  for (const s of sizing.services) objects.push(deployment(o, s));
  for (const s of sizing.services) objects.push(service(o, s));
  if (o.includeIngress && sizing.services.length > 0) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'ecp-ingress', namespace },
      spec: {
        rules: [
          {
            host: `${o.tenantId}.ecp.local`,
            http: {
              paths: sizing.services.map((s) => ({ path: `/${s.service}`, pathType: 'Prefix', backend: { service: { name: `${s.service}-service`, port: { number: 80 } } } })),
            },
          },
        ],
      },
    });
  }
  if (o.includeMonitoring && sizing.services.length > 0) {
    objects.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'ecp-services', namespace, labels: { 'ecp.ai/tenant': o.tenantId } },
      spec: {
        selector: { matchLabels: { 'ecp.ai/tenant': o.tenantId } },
        endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
      },
    });
  }
  return objects;
}
