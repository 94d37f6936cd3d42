import { describe, expect, it } from 'vitest';
import { checkManifest, ManifestUnreadable, parseManifest, MANIFEST_LIMITS } from '../../../../hub/integrations/kubernetes/manifest-check.js';
import { tenantManifest, tenantNamespace } from '../../../../hub/integrations/kubernetes/manifest.js';
import { parseQuantity } from '../../../../hub/integrations/kubernetes/quantity.js';
import { validateObject } from '../../../../hub/integrations/kubernetes/schema-validation.js';
import { sizeTenant } from '../../../../hub/integrations/kubernetes/sizing.js';
import { stringify } from 'yaml';

const sizing = sizeTenant({ callbot: 50, chatbot: 100, stt: 30 }, { availabilityPercent: 99.9, responseMs: 200 });
const objects = tenantManifest({ tenantId: 'my-ai-service', preset: 'medium', namespace: tenantNamespace('my-ai-service'), sizing, includeMonitoring: true, includeIngress: true });

describe('tenant manifest', () => {
  it('holds the namespace, quota, defaults, a Deployment and Service per service, Ingress and ServiceMonitor, in apply order', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/ecp-ai-my-ai-service',
      'ConfigMap/ecp-config',
      'ResourceQuota/ecp-quota',
      'LimitRange/ecp-limits',
      'Deployment/callbot',
      'Deployment/chatbot',
      'Deployment/stt',
      'Service/callbot-service',
      'Service/chatbot-service',
      'Service/stt-service',
      'Ingress/ecp-ingress',
      'ServiceMonitor/ecp-services',
    ]);
    expect(objects[0]!.metadata.labels).toEqual({ 'ecp.ai/tenant': 'my-ai-service', 'ecp.ai/preset': 'medium', 'ecp.ai/managed-by': 'ecp-orchestrator' });
    expect(objects.slice(1).every((o) => o.metadata.namespace === 'ecp-ai-my-ai-service')).toBe(true);
  });

  it('every object with a Kubernetes schema validates against it (kubernetes-models 4.5)', () => {
    for (const o of objects) {
      const problems = validateObject(o);
      if (o.kind === 'ServiceMonitor') expect(problems).toBeNull();
      else expect(problems, `${o.kind}/${o.metadata.name}`).toEqual([]);
    }
  });

  it('the schema check fails when it should (a broken Deployment is named with its field path)', () => {
    const broken = structuredClone(objects[4]!) as unknown as { spec: { replicas: unknown; template: { spec: { containers: { name?: unknown }[] } } } };
    broken.spec.replicas = 'three';
    delete broken.spec.template.spec.containers[0]!.name;
    expect(validateObject(broken as never)).toEqual(
      expect.arrayContaining([{ path: 'spec.replicas', message: 'must be integer' }, expect.objectContaining({ path: 'spec.template.spec.containers.0.name' })]),
    );
  });

  it('Deployments request GPUs, CPU and memory with limits and probes; the quota is the sum of the pods', () => {
    const callbot = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'callbot') as never as {
      spec: { replicas: number; template: { spec: { containers: { resources: unknown; livenessProbe: unknown; readinessProbe: unknown }[] } } };
    };
    const c = callbot.spec.template.spec.containers[0]!;
    expect(callbot.spec.replicas).toBe(3);
    expect(c.resources).toEqual({ requests: { cpu: '2000m', memory: '4Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '4000m', memory: '8Gi', 'nvidia.com/gpu': '1' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 } });
    const quota = objects.find((o) => o.kind === 'ResourceQuota') as never as { spec: { hard: Record<string, string> } };
    expect(quota.spec.hard).toEqual({ 'requests.cpu': `${sizing.cpuMilli}m`, 'requests.memory': `${sizing.memoryMi / 1024}Gi`, 'limits.cpu': `${sizing.cpuLimitMilli}m`, 'limits.memory': `${sizing.memoryLimitMi / 1024}Gi`, 'requests.nvidia.com/gpu': String(sizing.gpu), pods: String(sizing.pods) });
  });

  it('the check of the generated manifest: valid, totals equal to the sizing, the CRD only warned about', () => {
    const text = objects.map((o) => stringify(o)).join('---\n');
    const check = checkManifest(parseManifest(text));
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual(['ServiceMonitor/ecp-services: no schema for monitoring.coreos.com/v1 ServiceMonitor; not validated']);
    expect(check.summary).toEqual({
      namespaces: 1,
      deployments: 3,
      services: 3,
      configmaps: 1,
      secrets: 0,
      total_cpu_milli: sizing.cpuMilli,
      total_memory_bytes: sizing.memoryMi * 1024 ** 2,
      total_gpu: sizing.gpu,
      estimated_pods: sizing.pods,
    });
    expect(check.presetLabel).toBe('medium');
  });

  it('warns about missing limits and probes below the recommended values; errors name object and field', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 250m, memory: 1G}}
        livenessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 1, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: "eighty"}]}
`;
    const check = checkManifest(parseManifest(text));
    expect(check.warnings).toEqual([
      'Deployment/web container web: no CPU/memory limits',
      'Deployment/web container web: liveness probe below the recommended values (initialDelaySeconds >= 10, periodSeconds >= 5)',
      'Deployment/web container web: no readiness probe',
    ]);
    expect(check.errors).toEqual(['Service/web: spec.ports.0.port: must be integer']);
    expect(check.summary).toMatchObject({ total_cpu_milli: 500, total_memory_bytes: 2e9, estimated_pods: 2, deployments: 1, services: 1 });
  });

  it('refuses what it cannot read safely: alias bombs, too many documents, too large, not YAML', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(() => parseManifest(bomb)).toThrow(ManifestUnreadable);
    expect(() => parseManifest(Array.from({ length: MANIFEST_LIMITS.maxDocuments + 1 }, () => 'a: 1').join('\n---\n'))).toThrow(/more than 200 documents/);
    expect(() => parseManifest(`a: "${'x'.repeat(MANIFEST_LIMITS.maxBytes)}"`)).toThrow(/larger than/);
    expect(() => parseManifest('a: [unclosed')).toThrow(ManifestUnreadable);
    expect(() => parseManifest('a: 1\na: 2')).toThrow(ManifestUnreadable);
    expect(checkManifest(parseManifest('just a string\n---\n- 1')).errors).toEqual([
      'document 1: not a Kubernetes object (apiVersion and kind required)',
      'document 2: not a Kubernetes object (apiVersion and kind required)',
    ]);
  });

  it('parses Kubernetes quantities and refuses the rest', () => {
    expect(['200m', '2', '0.5', '4Gi', '1G', '512Mi', '1e3', '.5', 3].map(parseQuantity)).toEqual([0.2, 2, 0.5, 4 * 1024 ** 3, 1e9, 512 * 1024 ** 2, 1000, 0.5, 3]);
    expect(['', '-1', 'abc', '1Xi', '1e999', NaN, Infinity, -2, null, {}].map(parseQuantity)).toEqual(Array(10).fill(null));
  });
});
