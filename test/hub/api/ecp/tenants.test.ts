import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { HubBus, type EcpDeploymentEvent } from '../../../../hub/bus.js';
import { DemoDeployer } from '../../../../hub/integrations/kubernetes/demo-deployer.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const demo = { 'content-type': 'application/json', 'x-demo-mode': 'true' };
const real = { 'content-type': 'application/json', 'x-demo-mode': 'false' };

const body = (tenant_id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    tenant_id,
    name: '내 AI 서비스',
    preset: 'medium',
    service_requirements: { callbot: 50, chatbot: 100, advisor: 25, stt: 30, tts: 30 },
    sla_target: { availability: '99.9%', response_time: '200ms', concurrent_users: 200 },
    description: '내 AI 서비스 설명',
    ...extra,
  });

const tenantRows = (hub: ApiHub) => hub.db.prepare('SELECT tenant_id, status, is_demo FROM ecp_tenants ORDER BY tenant_id').all();

describe('ECP-AI orchestrator API: tenants (real hub, demo deployments driven step by step)', () => {
  let hub: ApiHub;
  /** Drives the simulation in the test (the hub's own timer is an hour): every step is visible, nothing depends on timing. */
  let deployer: DemoDeployer;
  const events: EcpDeploymentEvent[] = [];
  const req = (path: string, init: Parameters<ApiHub['request']>[1] = {}) => hub.request(`/api/v1${path}`, { headers: demo, ...init });
  const runToEnd = (max = 100) => {
    for (let i = 0; i < max && hub.db.prepare("SELECT 1 FROM ecp_deployments WHERE status = 'deploying'").get(); i++) deployer.step();
  };

  beforeAll(async () => {
    hub = await startApiHub({ ecp: { demoStepInterval: '1h' } });
    await hub.addUser('vic', 'viewer', 'vic-password');
    await hub.addUser('uma', 'user', 'uma-password');
    const bus = new HubBus();
    bus.on('ecp-deployment', (e) => events.push(e));
    deployer = new DemoDeployer(hub.db, bus, 3_600_000);
  });
  afterAll(() => hub?.close());

  it('X-Demo-Mode is required: absent or not true/false is 400 in the ECP error body; X-Request-ID is echoed', async () => {
    const missing = await hub.request('/api/v1/tenants/', { headers: { 'x-request-id': 'req-xyz789' } });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-request-id')).toBe('req-xyz789');
    const b = await missing.json();
    expect(b).toEqual({ error: { code: 'BAD_REQUEST', message: 'X-Demo-Mode: header required (true or false)', details: { field: 'X-Demo-Mode' }, timestamp: expect.any(String), request_id: 'req-xyz789' } });
    expect(Date.parse(b.error.timestamp)).not.toBeNaN();
    const wrong = await hub.request('/api/v1/tenants', { headers: { 'x-demo-mode': 'maybe' } });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.details).toEqual({ field: 'X-Demo-Mode' });
    // Without one (or with one that is not a plain token) the hub makes an id and still answers with it.
    const ok = await req('/tenants', { headers: { ...demo, 'x-request-id': 'bad id\u00e9'.replace(/[^\x20-\x7e]/g, '') } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toMatch(/^req-[0-9a-f]{16}$/);
  });

  it('auth is on: anonymous 401, a viewer cannot create (403), both in the ECP body with the request id', async () => {
    const anon = await hub.request('/api/v1/tenants', { user: null, headers: { ...demo, 'x-request-id': 'r-1' } });
    expect(anon.status).toBe(401);
    expect((await anon.json()).error).toMatchObject({ code: 'UNAUTHORIZED', request_id: 'r-1' });
    const viewer = await hub.request('/api/v1/tenants/', { method: 'POST', user: ['vic', 'vic-password'], headers: demo, body: body('viewer-made') });
    expect(viewer.status).toBe(403);
    expect((await viewer.json()).error.code).toBe('FORBIDDEN');
    expect((await hub.request('/api/v1/tenants', { user: ['vic', 'vic-password'], headers: demo })).status).toBe(200);
    expect(tenantRows(hub)).toEqual([]);
  });

  it('creates a demo tenant (201, the seed\'s answer), refuses a second with the same id (409 TENANT_ALREADY_EXISTS)', async () => {
    const res = await req('/tenants/', { method: 'POST', body: body('my-ai-service') });
    expect(res.status).toBe(201);
    const created = await res.json();
    // 235 channels at 99.9%/200ms: every service at its 3 replicas minimum; callbot, advisor, stt, tts with a GPU each -> 12 GPUs,
    // 3 x (2000 + 1000 + 2000 + 1000 + 1000)m CPU, 3 x (4 + 2 + 4 + 4 + 2) GiB.
    expect(created).toEqual({
      tenant_id: 'my-ai-service',
      status: 'pending',
      is_demo: true,
      deployment_id: expect.stringMatching(/^dep-[0-9a-f]{16}$/),
      estimated_resources: { cpu: '21000m', memory: '48Gi', gpu: 12, storage: '0.6TB' },
      estimated_cost: expect.stringMatching(/^\$\d+\/month$/),
      deployment_time: '10-15 minutes',
      created_at: expect.any(String),
    });
    const again = await req('/tenants', { method: 'POST', body: body('my-ai-service', { name: 'other' }) });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'TENANT_ALREADY_EXISTS', details: { tenant_id: 'my-ai-service', existing_status: 'pending' } });
    expect(tenantRows(hub)).toEqual([{ tenant_id: 'my-ai-service', status: 'pending', is_demo: 1 }]);
  });

  it('refuses bad input with the seed\'s codes, naming the field, storing nothing', async () => {
    const cases: [Record<string, unknown>, number, string, string | undefined][] = [
      [{ preset: 'huge' }, 400, 'INVALID_PRESET', 'preset'],
      [{ preset: 'micro' }, 422, 'VALIDATION_ERROR', 'preset'], // 235 channels do not fit micro's band
      [{ tenant_id: 'Bad_ID' }, 422, 'VALIDATION_ERROR', 'tenant_id'],
      [{ tenant_id: 'x'.repeat(57) }, 422, 'VALIDATION_ERROR', 'tenant_id'],
      [{ service_requirements: { fax: 3 } }, 422, 'VALIDATION_ERROR', 'service_requirements.fax'],
      [{ service_requirements: { callbot: -1 } }, 422, 'VALIDATION_ERROR', 'service_requirements.callbot'],
      [{ service_requirements: { callbot: 1e12 } }, 422, 'VALIDATION_ERROR', 'service_requirements.callbot'],
      [{ service_requirements: {} }, 422, 'VALIDATION_ERROR', 'service_requirements'],
      [{ sla_target: { availability: '101%' } }, 422, 'VALIDATION_ERROR', 'sla_target.availability'],
      [{ sla_target: { response_time: '1ms' } }, 422, 'VALIDATION_ERROR', 'sla_target.response_time'],
      [{ extra: 1 }, 422, 'VALIDATION_ERROR', 'extra'],
    ];
    for (const [patch, status, code, field] of cases) {
      const res = await req('/tenants', { method: 'POST', body: body('bad-input', patch) });
      expect(res.status, JSON.stringify(patch)).toBe(status);
      expect((await res.json()).error, JSON.stringify(patch)).toMatchObject({ code, details: { field } });
    }
    const notJson = await req('/tenants', { method: 'POST', body: '{"tenant_id": ' });
    expect(notJson.status).toBe(400);
    expect(tenantRows(hub)).toEqual([{ tenant_id: 'my-ai-service', status: 'pending', is_demo: 1 }]);
  });

  it('a real tenant (X-Demo-Mode: false) is refused with 503 KUBERNETES_ERROR: no cluster is connected; nothing stored', async () => {
    const res = await req('/tenants', { method: 'POST', headers: real, body: body('real-one') });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'KUBERNETES_ERROR', details: { hint: 'X-Demo-Mode: true' } });
    expect(tenantRows(hub)).toEqual([{ tenant_id: 'my-ai-service', status: 'pending', is_demo: 1 }]);
  });

  it('the simulated deployment takes one object per step and ends running; deployment-status follows it', async () => {
    const first = await (await req('/tenants/my-ai-service/deployment-status')).json();
    expect(first).toMatchObject({ tenant_id: 'my-ai-service', is_demo: true, kind: 'create', status: 'deploying', progress: 0, phase: 'creating-namespace', created_resources: [] });
    expect(first.pending_resources[0]).toEqual({ type: 'Namespace', name: 'ecp-ai-my-ai-service', status: 'Progressing' });
    const total = first.pending_resources.length;
    // Namespace, ConfigMap, ResourceQuota, LimitRange, 5 Deployments, 5 Services, ServiceMonitor.
    expect(total).toBe(15);
    deployer.step();
    deployer.step();
    const mid = await (await req('/tenants/my-ai-service/deployment-status')).json();
    expect(mid).toMatchObject({ progress: Math.round((2 / total) * 100), phase: 'configuring-namespace' });
    expect(mid.created_resources).toEqual([
      { type: 'Namespace', name: 'ecp-ai-my-ai-service', status: 'Active' },
      { type: 'ConfigMap', name: 'ecp-config', status: 'Created' },
    ]);
    expect((await (await req('/tenants/my-ai-service')).json()).status).toBe('pending');
    runToEnd();
    const done = await (await req('/tenants/my-ai-service/deployment-status')).json();
    expect(done).toMatchObject({ status: 'completed', progress: 100, phase: 'completed', pending_resources: [] });
    expect(done.created_resources).toContainEqual({ type: 'Deployment', name: 'callbot', status: 'Available', replicas: '3/3' });
    expect(done.logs.at(-1)).toMatchObject({ level: 'info', message: 'tenant running' });
    const progress = events.filter((e) => e.deploymentId === first.deployment_id).map((e) => e.progress);
    expect(progress).toHaveLength(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
  });

  it('GET /tenants/{id}: the detail shape with services and their resources; unknown id 404 TENANT_NOT_FOUND', async () => {
    const t = await (await req('/tenants/my-ai-service')).json();
    expect(t).toMatchObject({
      tenant_id: 'my-ai-service',
      name: '내 AI 서비스',
      preset: 'medium',
      is_demo: true,
      status: 'running',
      service_requirements: { callbot: 50, chatbot: 100, advisor: 25, stt: 30, tts: 30 },
      resources: { cpu: '21000m', memory: '48Gi', gpu: 12, storage: '0.6TB' },
      gpu_type: 'v100',
      sla_target: { availability: '99.9%', response_time: '200ms', concurrent_users: 200 },
      namespace: 'ecp-ai-my-ai-service',
    });
    expect(t.services[0]).toEqual({
      service_name: 'callbot',
      service_type: 'ai_service',
      enabled: true,
      count: 50,
      replicas: 3,
      image: 'ecp-ai/callbot:latest',
      resources: { cpu_request: '2000m', memory_request: '4Gi', cpu_limit: '4000m', memory_limit: '8Gi', gpu: 1 },
    });
    const missing = await req('/tenants/nobody');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: 'TENANT_NOT_FOUND', details: { tenant_id: 'nobody' } });
  });

  it('lists with filters, counts and pagination; limit above 1000 is 422', async () => {
    for (const id of ['small-one', 'small-two']) {
      expect((await req('/tenants', { method: 'POST', body: body(id, { preset: 'small', service_requirements: { chatbot: 20 } }) })).status).toBe(201);
    }
    const all = await (await req('/tenants/?limit=2')).json();
    expect(all).toMatchObject({ total_count: 3, demo_count: 3, active_count: 1, pagination: { skip: 0, limit: 2, has_more: true } });
    expect(all.tenants.map((t: { tenant_id: string }) => t.tenant_id)).toEqual(['my-ai-service', 'small-one']);
    expect(all.tenants[0]).toMatchObject({ services_count: 5, cpu_limit: '21000m', memory_limit: '48Gi', gpu_limit: 12, storage_limit: '0.6TB', gpu_type: 'v100', sla_availability: '99.9%' });
    const page2 = await (await req('/tenants?skip=2&limit=2')).json();
    expect(page2.tenants.map((t: { tenant_id: string }) => t.tenant_id)).toEqual(['small-two']);
    expect(page2.pagination.has_more).toBe(false);
    expect((await (await req('/tenants?preset=small&status=pending')).json()).total_count).toBe(2);
    expect((await (await req('/tenants?status=running')).json()).tenants.map((t: { tenant_id: string }) => t.tenant_id)).toEqual(['my-ai-service']);
    const big = await req('/tenants?limit=1001');
    expect(big.status).toBe(422);
    expect((await big.json()).error.details.field).toBe('limit');
    expect((await req('/tenants?preset=giant')).status).toBe(400);
    expect((await req('/tenants?status=sleeping')).status).toBe(422);
  });

  it('update: a new sizing starts a re-size deployment; a rename alone does not', async () => {
    const renamed = await (await req('/tenants/my-ai-service', { method: 'PUT', body: JSON.stringify({ name: '수정된 서비스 이름' }) })).json();
    expect(renamed).toMatchObject({ name: '수정된 서비스 이름', status: 'running' });
    expect(renamed.deployment_id).toBeUndefined();
    const res = await req('/tenants/my-ai-service', { method: 'PUT', body: JSON.stringify({ service_requirements: { callbot: 75, chatbot: 150 }, sla_target: { availability: '99.95%', response_time: '150ms' } }) });
    expect(res.status).toBe(200);
    const resized = await res.json();
    expect(resized).toMatchObject({ status: 'pending', service_requirements: { callbot: 75, chatbot: 150, advisor: 25, stt: 30, tts: 30 }, sla_target: { availability: '99.95%', response_time: '150ms' } });
    // callbot: ceil(75 * 4/3 / 25) = 4 replicas.
    expect(resized.services.find((s: { service_name: string }) => s.service_name === 'callbot').replicas).toBe(4);
    expect(resized.deployment_id).toMatch(/^dep-/);
    const status = await (await req('/tenants/my-ai-service/deployment-status')).json();
    expect(status).toMatchObject({ deployment_id: resized.deployment_id, kind: 'update', status: 'deploying' });
    expect((await req('/tenants/my-ai-service', { method: 'PUT', body: JSON.stringify({ preset: 'tiny' }) })).status).toBe(400);
    expect((await req('/tenants/nobody', { method: 'PUT', body: JSON.stringify({ name: 'x' }) })).status).toBe(404);
    runToEnd();
    expect((await (await req('/tenants/my-ai-service')).json()).status).toBe('running');
  });

  it('delete: an open deployment needs force; the deletion id is answered, the tenant goes when the simulation ends', async () => {
    expect((await req('/tenants', { method: 'POST', body: body('small-one-b', { preset: 'small', service_requirements: { chatbot: 20 } }) })).status).toBe(201);
    const wrongMode = await req('/tenants/small-one-b', { method: 'DELETE', headers: real });
    expect(wrongMode.status).toBe(409);
    expect((await wrongMode.json()).error).toMatchObject({ code: 'DEMO_MODE_MISMATCH', details: { is_demo: true } });
    const refused = await req('/tenants/small-one-b', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatchObject({ code: 'DEPLOYMENT_IN_PROGRESS', details: { tenant_id: 'small-one-b' } });
    const res = await req('/tenants/small-one-b?force=true', { method: 'DELETE' });
    expect(res.status).toBe(200);
    const del = await res.json();
    expect(del).toEqual({ message: expect.any(String), deletion_id: expect.stringMatching(/^del-[0-9a-f]{16}$/), estimated_time: expect.stringMatching(/minutes$/) });
    // Asked again while it runs: the same deletion.
    expect((await (await req('/tenants/small-one-b', { method: 'DELETE' })).json()).deletion_id).toBe(del.deletion_id);
    expect((await (await req('/tenants/small-one-b')).json()).status).toBe('deleting');
    expect((await req('/tenants/small-one-b', { method: 'PUT', body: JSON.stringify({ name: 'x' }) })).status).toBe(409);
    expect(hub.db.prepare("SELECT status FROM ecp_deployments WHERE tenant_id = 'small-one-b' AND kind = 'create'").get()).toEqual({ status: 'cancelled' });
    runToEnd();
    expect((await req('/tenants/small-one-b')).status).toBe(404);
    expect(hub.db.prepare('SELECT status, kind FROM ecp_deployments WHERE id = ?').get(del.deletion_id)).toEqual({ status: 'completed', kind: 'delete' });
    expect((await req('/tenants/small-one-b', { method: 'DELETE' })).status).toBe(404);
  });

  it('calculate-resources answers the sizing model through the server', async () => {
    const res = await req('/tenants/calculate-resources', {
      method: 'POST',
      body: JSON.stringify({ service_requirements: { callbot: 100, chatbot: 200, advisor: 50 }, sla_target: { availability: '99.9%', response_time: '150ms' } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      recommended_preset: 'medium',
      resources: { cpu: '23000m', memory: '46Gi', gpu: 10, storage: '0.8TB' },
      gpu_type: 'v100',
      estimated_cost: '$9212/month',
      alternatives: [{ preset: 'small', resources: { cpu: '15000m', memory: '30Gi', gpu: 6 }, cost: '$1824/month' }],
    });
    expect((await req('/tenants/calculate-resources', { method: 'POST', body: JSON.stringify({ service_requirements: {} }) })).status).toBe(422);
  });

  it('manifest: YAML documents or a JSON List, namespace and ingress options; validate-manifest accepts it', async () => {
    const yaml = await req('/tenants/small-two/manifest?include_ingress=true&include_monitoring=false&namespace=custom-ns');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    const text = await yaml.text();
    const docs = parseAllDocuments(text) as { toJS(): { kind: string; metadata: { name: string; namespace?: string } } }[];
    expect(docs.map((d) => d.toJS().kind)).toEqual(['Namespace', 'ConfigMap', 'ResourceQuota', 'LimitRange', 'Deployment', 'Service', 'Ingress']);
    expect(docs[0]!.toJS().metadata.name).toBe('custom-ns');
    const json = await (await req('/tenants/small-two/manifest?format=json')).json();
    expect(json.kind).toBe('List');
    expect(json.items.map((o: { kind: string }) => o.kind)).toEqual(['Namespace', 'ConfigMap', 'ResourceQuota', 'LimitRange', 'Deployment', 'Service', 'ServiceMonitor']);
    expect((await req('/tenants/small-two/manifest?format=xml')).status).toBe(422);
    expect((await req('/tenants/small-two/manifest?namespace=Not_Valid')).status).toBe(422);

    const check = await (await req('/tenants/validate-manifest', { method: 'POST', body: JSON.stringify({ tenant_id: 'small-two', manifest_content: text }) })).json();
    expect(check).toMatchObject({ valid: true, errors: [], resource_summary: { namespaces: 1, deployments: 1, services: 1, configmaps: 1, total_cpu: '3000m', total_memory: '6Gi', total_gpu: 0, estimated_pods: 3 } });
    const broken = await (await req('/tenants/validate-manifest', { method: 'POST', body: JSON.stringify({ manifest_content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: many}\n' }) })).json();
    expect(broken.valid).toBe(false);
    expect(broken.errors).toContain('Deployment/x: spec.replicas: must be integer');
    const bomb = await req('/tenants/validate-manifest', { method: 'POST', body: JSON.stringify({ manifest_content: 'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n' }) });
    expect(bomb.status).toBe(422);
    expect((await bomb.json()).error).toMatchObject({ code: 'MANIFEST_INVALID', details: { field: 'manifest_content' } });
  });

  it('hostile input: deep nesting, wrong types, oversized manifests and bodies are refused in the ECP body; nothing stored', async () => {
    const before = tenantRows(hub);
    const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const cases: [string, string, string, number, string][] = [
      ['/tenants', 'POST', `{"tenant_id": "deep", "name": "x", "service_requirements": {"chatbot": 1}, "description": ${deep}}`, 422, 'VALIDATION_ERROR'],
      ['/tenants', 'POST', JSON.stringify({ tenant_id: 'types', name: { a: 1 }, service_requirements: { chatbot: 'one' } }), 422, 'VALIDATION_ERROR'],
      ['/tenants', 'POST', JSON.stringify({ tenant_id: 'float', name: 'x', service_requirements: { chatbot: 1.5 } }), 422, 'VALIDATION_ERROR'],
      ['/tenants/validate-manifest', 'POST', JSON.stringify({ manifest_content: 'a: 1\n'.repeat(140_000) }), 422, 'VALIDATION_ERROR'],
      ['/tenants/validate-manifest', 'POST', JSON.stringify({ manifest_content: 'x'.repeat(2 * 1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE'],
      ['/tenants/calculate-resources', 'POST', JSON.stringify({ service_requirements: { chatbot: 1e308 } }), 422, 'VALIDATION_ERROR'],
    ];
    for (const [path, method, payload, status, code] of cases) {
      const res = await req(path, { method, body: payload });
      expect(res.status, `${path} ${payload.slice(0, 60)}`).toBe(status);
      expect((await res.json()).error.code).toBe(code);
    }
    expect((await req(`/tenants/${'a'.repeat(57)}`)).status).toBe(422);
    expect(tenantRows(hub)).toEqual(before);
  });
});

describe('ECP demo deployments survive a hub restart (persisted tasks)', () => {
  it('a deployment stopped mid-way resumes after the restart and completes without repeating steps', async () => {
    const first = await startApiHub({ ecp: { demoStepInterval: '1h' } });
    const created = await (await first.request('/api/v1/tenants', { method: 'POST', headers: demo, body: body('resumed', { preset: 'small', service_requirements: { chatbot: 20 } }) })).json();
    // Two steps taken (as a running hub would), then the hub goes away.
    const stepper = new DemoDeployer(first.db, new HubBus(), 3_600_000);
    stepper.step();
    stepper.step();
    const dataDir = first.dataDir;
    await first.close();

    const second = await startApiHub({ dataDir, ecp: { demoStepInterval: '10ms' } });
    try {
      const completed = new Promise<EcpDeploymentEvent>((resolve) => {
        const on = (e: EcpDeploymentEvent) => {
          if (e.deploymentId === created.deployment_id && e.status === 'completed') resolve(e);
        };
        second.hub.bus.on('ecp-deployment', on);
      });
      // It may have finished between the start and the listener: then the stored task says so.
      const stored = second.db.prepare('SELECT status FROM ecp_deployments WHERE id = ?').get(created.deployment_id) as { status: string };
      if (stored.status !== 'completed') await completed;
      const status = await (await second.request('/api/v1/tenants/resumed/deployment-status', { headers: demo })).json();
      expect(status).toMatchObject({ deployment_id: created.deployment_id, status: 'completed', progress: 100 });
      const applied = status.logs.filter((l: { message: string }) => l.message.endsWith('applied (simulated)')).map((l: { message: string }) => l.message);
      expect(applied).toEqual(status.created_resources.map((r: { type: string; name: string }) => `${r.type} ${r.name} applied (simulated)`));
      expect(new Set(applied).size).toBe(applied.length);
      expect((await (await second.request('/api/v1/tenants/resumed', { headers: demo })).json()).status).toBe('running');
    } finally {
      await second.close();
    }
  });
});
