import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const headers = (demo: boolean) => ({ 'content-type': 'application/json', 'x-demo-mode': String(demo) });
const tenantBody = (tenant_id: string, service_requirements: Record<string, number>) =>
  JSON.stringify({ tenant_id, name: tenant_id, service_requirements, sla_target: { availability: '99.5%', response_time: '200ms' } });

/** A manifest of one Deployment asking `gpu` GPUs per replica. */
const gpuManifest = (replicas: number, gpu: number) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: big, namespace: ecp-ai-x}',
    'spec:',
    `  replicas: ${replicas}`,
    '  selector: {matchLabels: {app: big}}',
    '  template:',
    '    metadata: {labels: {app: big}}',
    '    spec:',
    '      containers:',
    '      - name: big',
    '        image: ecp-ai/callbot:latest',
    `        resources: {requests: {cpu: 100m, memory: 128Mi, nvidia.com/gpu: ${gpu}}, limits: {cpu: 200m, memory: 256Mi, nvidia.com/gpu: ${gpu}}}`,
    '        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 30, periodSeconds: 10}',
    '        readinessProbe: {httpGet: {path: /ready, port: 8080}}',
    '',
  ].join('\n');

function nodeObject(name: string, allocatable: Record<string, string>, ready = true) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
}

describe('ECP capacity: validate-manifest warnings and create INSUFFICIENT_RESOURCES from the live nodes (fake apiserver)', () => {
  const fake = new FakeApiServer();
  let hub: ApiHub;
  let downHub: ApiHub;
  const req = (h: ApiHub, path: string, demo: boolean, body: string) => h.request(`/api/v1${path}`, { method: 'POST', headers: headers(demo), body });
  /** The one-shot node lists the ECP routes make (the watches list with a limit and watch with watch=true). */
  const nodeLists = () => fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/nodes' && !/watch|limit/.test(r.query)).length;

  beforeAll(async () => {
    await fake.start();
    for (const n of [nodeObject('n1', { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4' }), nodeObject('n2', { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' }), nodeObject('n3', { cpu: '64', memory: '256Gi', 'nvidia.com/gpu': '8' }, false)]) {
      const res = await fetch(`${fake.url}/api/v1/nodes/${n.metadata.name}?fieldManager=test`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: JSON.stringify(n) });
      expect(res.ok).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-ecp-cap-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    const down = join(dir, 'kubeconfig-down');
    // Port 1 on loopback refuses the connection: a cluster that is down.
    writeFileSync(down, fake.kubeconfig().replace(fake.url, 'http://127.0.0.1:1'), { mode: 0o600 });
    hub = await startApiHub({ kubernetes: { clusters: [{ name: 'fake', kubeconfig }], stepInterval: '1h' }, ecp: { demoStepInterval: '1h' } });
    downHub = await startApiHub({ kubernetes: { clusters: [{ name: 'gone', kubeconfig: down }], stepInterval: '1h' }, ecp: { demoStepInterval: '1h', monitoring: { capacityTimeout: '2s' } } });
  });
  afterAll(async () => {
    await hub?.close();
    await downHub?.close();
    await fake.stop();
  });

  it("validate-manifest warns when the manifest's GPUs go beyond the Ready nodes' allocatable (6), or above 80 % of it; not when they fit", async () => {
    const beyond = await (await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(10, 1) }))).json();
    expect(beyond.valid).toBe(true);
    expect(beyond.resource_summary.total_gpu).toBe(10);
    expect(beyond.warnings).toContain("nvidia.com/gpu: the manifest requests 10, beyond cluster fake's capacity (6 allocatable on its Ready nodes)");
    const high = await (await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(5, 1) }))).json();
    expect(high.warnings).toContain("nvidia.com/gpu: the manifest requests 5, more than 80% of cluster fake's capacity (6)");
    const fits = await (await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(2, 1) }))).json();
    expect(fits.warnings.filter((w: string) => /cluster/.test(w))).toEqual([]);
  });

  it('create: a real tenant that does not fit beside the others is 409 INSUFFICIENT_RESOURCES, stored nowhere; one that fits is created', async () => {
    // callbot 30 + chatbot 50 at 99.5 %: 2 callbot replicas with 1 GPU each.
    expect((await req(hub, '/tenants', false, tenantBody('fits', { callbot: 30, chatbot: 50 }))).status).toBe(201);
    // callbot 125: 5 replicas, 5 GPUs; 2 of the 6 are held by "fits".
    const refused = await req(hub, '/tenants', false, tenantBody('too-big', { callbot: 125 }));
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatchObject({
      code: 'INSUFFICIENT_RESOURCES',
      details: { tenant_id: 'too-big', cluster: 'fake', resource: 'nvidia.com/gpu', requested: '5', free: '4', allocatable: '6', held: '2' },
    });
    expect((await hub.request('/api/v1/tenants/too-big', { headers: headers(true) })).status).toBe(404);
    expect(fake.get('namespaces', '', 'ecp-ai-too-big')).toBeUndefined();
    // A re-size is checked the same way, its own quota left out: callbot 150 (6 GPUs) fits the 6 alone, 175 (7) does not.
    const put = (requirements: Record<string, number>) => hub.request('/api/v1/tenants/fits', { method: 'PUT', headers: headers(false), body: JSON.stringify({ preset: 'medium', service_requirements: requirements }) });
    const grown = await put({ callbot: 175 });
    expect(grown.status).toBe(409);
    expect((await grown.json()).error).toMatchObject({ code: 'INSUFFICIENT_RESOURCES', details: { resource: 'nvidia.com/gpu', requested: '7', free: '6', held: '0' } });
    expect((await (await hub.request('/api/v1/tenants/fits', { headers: headers(false) })).json()).service_requirements).toEqual({ callbot: 30, chatbot: 50 });
    expect((await put({ callbot: 150 })).status).toBe(200);
    expect((await put({ callbot: 30 })).status).toBe(200);
    // The other tenants' quota counts in validate-manifest too: 5 GPUs beside 2 held.
    const check = await (await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(5, 1) }))).json();
    expect(check.warnings).toContain("nvidia.com/gpu: the manifest requests 5, more than cluster fake has free (4 of 6; other tenants' quotas hold 2)");
    // A tenant's own quota does not count against its re-validation.
    const own = await (await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ tenant_id: 'fits', manifest_content: gpuManifest(5, 1) }))).json();
    expect(own.warnings).toContain("nvidia.com/gpu: the manifest requests 5, more than 80% of cluster fake's capacity (6)");
  });

  it('demo mode contacts no cluster: a demo tenant of any size is created, validate-manifest says capacity was not checked', async () => {
    const before = nodeLists();
    expect((await req(hub, '/tenants', true, tenantBody('demo-big', { callbot: 500 }))).status).toBe(201);
    const check = await (await req(hub, '/tenants/validate-manifest', true, JSON.stringify({ manifest_content: gpuManifest(10, 1) }))).json();
    expect(check.warnings).toContain('cluster capacity not checked: demo mode (X-Demo-Mode: true) contacts no cluster');
    expect(nodeLists()).toBe(before);
    await req(hub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(1, 1) }));
    expect(nodeLists()).toBe(before + 1);
  });

  it('X-Debug: true from an admin adds debug to every ECP route (JSON body, errors too; the YAML manifest in X-Debug-Info); ignored for others', async () => {
    await hub.addUser('vic', 'user', 'vic-password');
    const dbg = { ...headers(false), 'x-debug': 'true', 'x-request-id': 'dbg-42' };
    const list = await (await hub.request('/api/v1/tenants', { headers: dbg })).json();
    expect(list.debug).toMatchObject({ request_id: 'dbg-42', method: 'GET', route: '/api/v1/tenants', status: 200, demo_mode: false, tenants_cluster: 'fake', duration_ms: expect.any(Number) });
    expect(list.total_count).toEqual(expect.any(Number));
    const check = await (await hub.request('/api/v1/tenants/validate-manifest', { method: 'POST', headers: dbg, body: JSON.stringify({ manifest_content: gpuManifest(1, 1) }) })).json();
    expect(check.debug).toMatchObject({ route: '/api/v1/tenants/validate-manifest', capacity: { name: 'fake', status: 'up', readyNodes: 2, allocatable: { gpu: 6 } }, held: { gpu: expect.any(Number) } });
    const missing = await hub.request('/api/v1/tenants/no-such-tenant', { headers: dbg });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'TENANT_NOT_FOUND', request_id: 'dbg-42' }, debug: { status: 404, route: '/api/v1/tenants/:tenantId' } });
    const yaml = await hub.request('/api/v1/tenants/fits/manifest', { headers: dbg });
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(JSON.parse(yaml.headers.get('x-debug-info')!)).toMatchObject({ request_id: 'dbg-42', route: '/api/v1/tenants/:tenantId/manifest', status: 200 });
    expect(await yaml.text()).not.toContain('dbg-42');
    // The JSON manifest is a v1 List a client applies: debug stays out of it too.
    const jsonList = await hub.request('/api/v1/tenants/fits/manifest?format=json', { headers: dbg });
    expect(JSON.parse(jsonList.headers.get('x-debug-info')!)).toMatchObject({ request_id: 'dbg-42' });
    expect(Object.keys(await jsonList.json()).sort()).toEqual(['apiVersion', 'items', 'kind']);
    // A user's X-Debug, an admin's X-Debug: false, and no header at all: the answers are the plain ones.
    for (const [h, user] of [[dbg, ['vic', 'vic-password']], [{ ...dbg, 'x-debug': 'false' }, undefined], [headers(false), undefined]] as const) {
      const res = await hub.request('/api/v1/tenants', { headers: h, ...(user ? { user: [...user] as [string, string] } : {}) });
      expect(res.status).toBe(200);
      expect((await res.json()).debug).toBeUndefined();
      const m = await hub.request('/api/v1/tenants/fits/manifest', { headers: h, ...(user ? { user: [...user] as [string, string] } : {}) });
      expect(m.headers.get('x-debug-info')).toBeNull();
    }
  });

  it('a cluster that is down: validate-manifest and create say capacity could not be checked, never a silent pass', async () => {
    const check = await (await req(downHub, '/tenants/validate-manifest', false, JSON.stringify({ manifest_content: gpuManifest(1000, 1) }))).json();
    expect(check.warnings).toContainEqual(expect.stringMatching(/^cluster capacity could not be checked: cluster gone: listing nodes failed: /));
    expect(check.warnings.filter((w: string) => /nvidia\.com\/gpu: the manifest/.test(w))).toEqual([]);
    const created = await req(downHub, '/tenants', false, tenantBody('while-down', { chatbot: 10 }));
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body.warnings).toEqual([expect.stringMatching(/^cluster capacity could not be checked: cluster gone: /)]);
    const resized = await downHub.request('/api/v1/tenants/while-down', { method: 'PUT', headers: headers(false), body: JSON.stringify({ preset: 'medium', service_requirements: { chatbot: 300 } }) });
    expect(resized.status).toBe(200);
    expect((await resized.json()).warnings).toEqual([expect.stringMatching(/^cluster capacity could not be checked: cluster gone: /)]);
    const status = await (await downHub.request('/api/v1/tenants/while-down/deployment-status', { headers: headers(false) })).json();
    expect(status.logs).toContainEqual(expect.objectContaining({ level: 'warning', message: body.warnings[0] }));
  });
});
