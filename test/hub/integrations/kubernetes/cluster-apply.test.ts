import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EcpDeploymentEvent } from '../../../../hub/bus.js';
import { KubeCluster } from '../../../../hub/integrations/kubernetes/kube-cluster.js';
import { tenantManifest } from '../../../../hub/integrations/kubernetes/manifest.js';
import { sizeTenant } from '../../../../hub/integrations/kubernetes/sizing.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.29';
const json = (demo: boolean) => ({ 'content-type': 'application/json', 'x-demo-mode': String(demo) });
const body = (tenant_id: string) => JSON.stringify({ tenant_id, name: tenant_id, service_requirements: { callbot: 30, chatbot: 50 }, sla_target: { availability: '99.5%', response_time: '200ms' } });

/** Resolves when the task has completed (or at once if hub.db says it already has). */
function completed(hub: ApiHub, deploymentId: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (e: EcpDeploymentEvent) => {
      if (e.deploymentId !== deploymentId || e.status === 'deploying') return;
      hub.hub.bus.off('ecp-deployment', on);
      resolve();
    };
    hub.hub.bus.on('ecp-deployment', on);
    const row = hub.db.prepare('SELECT status FROM ecp_deployments WHERE id = ?').get(deploymentId) as { status: string } | undefined;
    if (row && row.status !== 'deploying') {
      hub.hub.bus.off('ecp-deployment', on);
      resolve();
    }
  });
}

describe('real ECP tenants on a cluster (fake apiserver, @kubernetes/client-node, server-side apply)', () => {
  const fake = new FakeApiServer();
  let hub: ApiHub;
  let dir: string;

  beforeAll(async () => {
    await fake.start();
    // A Ready node with room for every tenant here: create checks real tenants against the live nodes (INSUFFICIENT_RESOURCES).
    const allocatable = { cpu: '512', memory: '2Ti', 'nvidia.com/gpu': '64' };
    fake.putObject('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'big' }, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
    dir = mkdtempSync(join(tmpdir(), 'kcloud-kube-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    hub = await startApiHub({ kubernetes: { clusters: [{ name: 'fake', kubeconfig }], stepInterval: '20ms' }, ecp: { demoStepInterval: '20ms' } });
  });
  afterAll(async () => {
    await hub?.close();
    await fake.stop();
  });

  it('create applies the namespace and the manifest by server-side apply (fieldManager kcloud) and reaches running', async () => {
    const res = await hub.request('/api/v1/tenants', { method: 'POST', headers: json(false), body: body('real-tenant') });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.is_demo).toBe(false);
    await completed(hub, created.deployment_id);
    const status = await (await hub.request('/api/v1/tenants/real-tenant/deployment-status', { headers: json(false) })).json();
    expect(status).toMatchObject({ status: 'completed', progress: 100, is_demo: false });
    expect((await (await hub.request('/api/v1/tenants/real-tenant', { headers: json(false) })).json()).status).toBe('running');

    const ns = fake.get('namespaces', '', 'ecp-ai-real-tenant');
    expect(ns?.metadata.labels).toEqual({ 'ecp.ai/tenant': 'real-tenant', 'ecp.ai/preset': 'small', 'ecp.ai/managed-by': 'ecp-orchestrator' });
    const callbot = fake.get('deployments', 'ecp-ai-real-tenant', 'callbot')!;
    expect(callbot.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kcloud', operation: 'Apply' })]);
    expect((callbot.spec as { replicas: number }).replicas).toBe(2);
    // The Deployment controller's events are there too (rollout-status.test.ts reads them).
    expect([...fake.objects.keys()].filter((k) => k.includes('/ecp-ai-real-tenant/') && !k.startsWith('events/')).sort()).toEqual(
      [
        'configmaps/ecp-ai-real-tenant/ecp-config',
        'deployments/ecp-ai-real-tenant/callbot',
        'deployments/ecp-ai-real-tenant/chatbot',
        'limitranges/ecp-ai-real-tenant/ecp-limits',
        'resourcequotas/ecp-ai-real-tenant/ecp-quota',
        'servicemonitors/ecp-ai-real-tenant/ecp-services',
        'services/ecp-ai-real-tenant/callbot-service',
        'services/ecp-ai-real-tenant/chatbot-service',
      ].sort(),
    );
    const applies = fake.requests.filter((r) => r.method === 'PATCH');
    expect(applies).toHaveLength(9);
    for (const r of applies) {
      expect(r.contentType).toBe('application/apply-patch+yaml');
      expect(new URLSearchParams(r.query).get('fieldManager')).toBe('kcloud');
    }
    // Dependency order: the namespace before anything in it.
    expect(applies[0]!.path).toBe('/api/v1/namespaces/ecp-ai-real-tenant');
  });

  it('demo tenants never reach the cluster: the apiserver sees no request while one deploys and is deleted', async () => {
    const before = fake.requests.length;
    const created = await (await hub.request('/api/v1/tenants', { method: 'POST', headers: json(true), body: body('demo-tenant') })).json();
    await completed(hub, created.deployment_id);
    const del = await (await hub.request('/api/v1/tenants/demo-tenant', { method: 'DELETE', headers: json(true) })).json();
    await completed(hub, del.deletion_id);
    expect((await hub.request('/api/v1/tenants/demo-tenant', { headers: json(true) })).status).toBe(404);
    expect(fake.requests.slice(before)).toEqual([]);
  });

  it('a demo-mode request cannot change or delete a real tenant (409 DEMO_MODE_MISMATCH), and the reverse', async () => {
    const before = fake.requests.length;
    for (const init of [{ method: 'DELETE' }, { method: 'PUT', body: JSON.stringify({ service_requirements: { chatbot: 70 } }) }]) {
      const res = await hub.request('/api/v1/tenants/real-tenant', { ...init, headers: json(true) });
      expect(res.status).toBe(409);
      expect((await res.json()).error).toMatchObject({ code: 'DEMO_MODE_MISMATCH', details: { tenant_id: 'real-tenant', is_demo: false } });
    }
    expect(fake.requests.slice(before)).toEqual([]);
    expect((await (await hub.request('/api/v1/tenants/real-tenant', { headers: json(true) })).json()).status).toBe('running');
  });

  it('delete removes the namespace (waits until the apiserver no longer has it) and then the tenant', async () => {
    const del = await (await hub.request('/api/v1/tenants/real-tenant', { method: 'DELETE', headers: json(false) })).json();
    expect(del.deletion_id).toMatch(/^del-/);
    await completed(hub, del.deletion_id);
    expect(fake.get('namespaces', '', 'ecp-ai-real-tenant')).toBeUndefined();
    expect([...fake.objects.keys()].filter((k) => k.includes('ecp-ai-real-tenant'))).toEqual([]);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === '/api/v1/namespaces/ecp-ai-real-tenant')).toBe(true);
    expect((await hub.request('/api/v1/tenants/real-tenant', { headers: json(false) })).status).toBe(404);
  });

  it('a refusal by the apiserver fails the deployment (DEPLOYMENT_FAILED in its log, tenant failed)', async () => {
    // The namespace is being deleted when the hub applies into it: 403 from the apiserver.
    const created = await (await hub.request('/api/v1/tenants', { method: 'POST', headers: json(false), body: body('doomed') })).json();
    await completed(hub, created.deployment_id);
    fake.get('namespaces', '', 'ecp-ai-doomed')!.metadata.deletionTimestamp = new Date().toISOString();
    const resized = await (await hub.request('/api/v1/tenants/doomed', { method: 'PUT', headers: json(false), body: JSON.stringify({ service_requirements: { chatbot: 60 } }) })).json();
    expect(resized.deployment_id).toMatch(/^dep-/);
    await completed(hub, resized.deployment_id);
    const status = await (await hub.request('/api/v1/tenants/doomed/deployment-status', { headers: json(false) })).json();
    expect(status.status).toBe('failed');
    expect(status.logs.at(-1)).toMatchObject({ level: 'error', message: expect.stringMatching(/^DEPLOYMENT_FAILED: ConfigMap ecp-config: Forbidden: unable to create new content in namespace ecp-ai-doomed/) });
    expect((await (await hub.request('/api/v1/tenants/doomed', { headers: json(false) })).json()).status).toBe('failed');
  });

  it('fidelity of the fake: the real kubectl 1.29 applies a tenant manifest server-side and reads the same objects back', async () => {
    const cache = mkdtempSync(join(dir, 'kubectl-cache-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const objects = tenantManifest({ tenantId: 'kubectl-made', preset: 'small', namespace: 'ecp-ai-kubectl-made', sizing: sizeTenant({ stt: 20 }, { availabilityPercent: 99.5, responseMs: 200 }), includeMonitoring: true, includeIngress: true });
    const file = join(dir, 'manifest.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    const kubectl = (...args: string[]) => execa(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args]);
    const applied = await kubectl('apply', '--server-side', '-f', file);
    expect(applied.stdout.split('\n')).toEqual(objects.map((o) => expect.stringMatching(new RegExp(`/${o.metadata.name} serverside-applied$`))));
    const managed = fake.get('deployments', 'ecp-ai-kubectl-made', 'stt')!;
    expect(managed.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl', operation: 'Apply' })]);
    const back = JSON.parse((await kubectl('get', 'deploy', '-n', 'ecp-ai-kubectl-made', '-o', 'json')).stdout) as { items: { metadata: { name: string }; spec: unknown }[] };
    expect(back.items.map((d) => [d.metadata.name, d.spec])).toEqual([['stt', objects.find((o) => o.kind === 'Deployment')!.spec]]);
    // A bad object is refused by the fake with a Status kubectl prints.
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: no-such-ns}\ndata: {a: b}\n');
    const refused = await kubectl('apply', '--server-side', '-f', file).catch((e: { stderr: string; exitCode: number }) => e);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('namespaces "no-such-ns" not found');
  });

  it('watch: client-node sees the Deployments there are (ADDED), an apply (MODIFIED) and the namespace deletion (DELETED); kubectl get --watch prints the change', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const cluster = new KubeCluster('fake', kubeconfig);
    const objects = tenantManifest({ tenantId: 'watched', preset: 'small', namespace: 'ecp-ai-watched', sizing: sizeTenant({ chatbot: 20 }, { availabilityPercent: 99.5, responseMs: 200 }), includeMonitoring: false, includeIngress: false });
    for (const o of objects) await cluster.apply(o);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const seen: string[] = [];
    let notify = () => {};
    const until = (n: number) => new Promise<void>((resolve) => {
      notify = () => seen.length >= n && resolve();
      notify();
    });
    const req = await new Watch(kc).watch('/apis/apps/v1/namespaces/ecp-ai-watched/deployments', {}, (type, obj: { metadata: { name: string }; spec: { replicas: number } }) => {
      seen.push(`${type} ${obj.metadata.name} ${obj.spec.replicas}`);
      notify();
    }, () => {});
    await until(1);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    await cluster.apply({ ...deployment, spec: { ...(deployment.spec as object), replicas: 5 } });
    await until(2);
    await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ecp-ai-watched' } });
    await until(3);
    req.abort();
    expect(seen).toEqual(['ADDED chatbot 2', 'MODIFIED chatbot 5', 'DELETED chatbot 5']);

    // kubectl lists, then watches from the list's resourceVersion: the first line is the object, the next its change.
    for (const o of objects) await cluster.apply(o);
    const cache = mkdtempSync(join(dir, 'kubectl-cache-'));
    const proc = execa(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, 'get', 'deploy', '-n', 'ecp-ai-watched', '--watch', '-o', 'jsonpath={.metadata.name}={.spec.replicas}{"\\n"}']);
    const lines: string[] = [];
    let wake = () => {};
    proc.stdout!.on('data', (d: Buffer) => {
      lines.push(...d.toString().split('\n').filter(Boolean));
      wake();
    });
    const lineCount = (n: number) => new Promise<void>((resolve) => {
      wake = () => lines.length >= n && resolve();
      wake();
    });
    await lineCount(1);
    await cluster.apply({ ...deployment, spec: { ...(deployment.spec as object), replicas: 4 } });
    await lineCount(2);
    proc.kill();
    await proc.catch(() => undefined);
    expect(lines).toEqual(['chatbot=2', 'chatbot=4']);
  });

  it('a watch from a list\'s resourceVersion gets the changes made between the list and the watch (no lost update)', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const cluster = new KubeCluster('fake', kubeconfig);
    const objects = tenantManifest({ tenantId: 'listed', preset: 'small', namespace: 'ecp-ai-listed', sizing: sizeTenant({ chatbot: 20 }, { availabilityPercent: 99.5, responseMs: 200 }), includeMonitoring: false, includeIngress: false });
    for (const o of objects) await cluster.apply(o);
    const list = await (await fetch(`${fake.url}/apis/apps/v1/namespaces/ecp-ai-listed/deployments`)).json() as { metadata: { resourceVersion: string } };
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    await cluster.apply({ ...deployment, spec: { ...(deployment.spec as object), replicas: 3 } });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const seen: string[] = [];
    const first = new Promise<void>((resolve) => {
      void new Watch(kc).watch('/apis/apps/v1/namespaces/ecp-ai-listed/deployments', { resourceVersion: list.metadata.resourceVersion }, (type, obj: { metadata: { name: string }; spec: { replicas: number } }) => {
        seen.push(`${type} ${obj.metadata.name} ${obj.spec.replicas}`);
        resolve();
      }, () => {}).then((req) => first.then(() => req.abort()));
    });
    await first;
    expect(seen).toEqual(['MODIFIED chatbot 3']);
  });
});
