import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { podSamples } from '../../../../agent/collectors/pod-cgroups/index.js';
import { simulatedValue } from '../../../../hub/integrations/kubernetes/tenant-monitoring-demo.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const headers = (demo: boolean) => ({ 'content-type': 'application/json', 'x-demo-mode': String(demo) });
const tenantBody = (tenant_id: string, service_requirements: Record<string, number> = { callbot: 30, chatbot: 50 }) =>
  JSON.stringify({ tenant_id, name: tenant_id, service_requirements, sla_target: { availability: '99.5%', response_time: '200ms' } });
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A node as the fake apiserver keeps it, created by server-side apply as any client would. */
function nodeObject(name: string, allocatable: Record<string, string>, ready = true) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

describe('ECP-AI monitoring API (real hub, real tsdb; a fake apiserver with nodes and a cluster that is down)', () => {
  const fake = new FakeApiServer();
  let hub: ApiHub;
  const uma: [string, string] = ['uma', 'uma-password'];
  const ned: [string, string] = ['ned', 'ned-password'];
  const req = (path: string, init: Parameters<ApiHub['request']>[1] = {}) => hub.request(`/api/v1${path}`, { headers: headers(true), ...init });
  const post = (tenant: string, body: unknown, user?: [string, string]) =>
    req(`/tenants/${tenant}/monitoring`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), ...(user ? { user } : {}) });
  /** Every tenant series of the store as the hub's generic query API answers them (labels and points of the last week). */
  const storedTenantSeries = async () => {
    const out: unknown[] = [];
    for (const metric of ['ecp_tenant_cpu_usage_percent', 'ecp_tenant_error_ratio', 'ecp_tenant_memory_usage_percent']) {
      out.push((await hub.json(`/api/v1/monitoring/query?selector=${metric}&since=7d&step=1m&agg=count`)).data.series);
    }
    return out;
  };

  beforeAll(async () => {
    await fake.start();
    // The nodes real tenants are checked against at create (INSUFFICIENT_RESOURCES) and /monitoring/system sums.
    for (const n of [nodeObject('n1', { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4' }), nodeObject('n2', { cpu: '15500m', memory: '64Gi', 'nvidia.com/gpu': '2' }), nodeObject('n3', { cpu: '64', memory: '256Gi', 'nvidia.com/gpu': '8' }, false)]) {
      const res = await fetch(`${fake.url}/api/v1/nodes/${n.metadata.name}?fieldManager=test`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: JSON.stringify(n) });
      expect(res.ok).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-ecp-mon-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    // A cluster nobody listens for: port 1 on loopback refuses the connection.
    const down = join(dir, 'kubeconfig-down');
    writeFileSync(down, fake.kubeconfig().replace(fake.url, 'http://127.0.0.1:1'), { mode: 0o600 });
    hub = await startApiHub({
      kubernetes: { clusters: [{ name: 'fake', kubeconfig }, { name: 'gone', kubeconfig: down }], stepInterval: '20ms' },
      ecp: {
        cluster: 'fake',
        demoStepInterval: '1h',
        prices: { electricityKWh: 0.2 },
        // Measured values only: the posted ones' alerts are websockets.test.ts's.
        monitoring: { alertThresholds: { gpu_utilization: { warning: 90, critical: 98 }, gpu_power_watts: { warning: 300, critical: 600 } } },
      },
    });
    await hub.addUser('uma', 'user', 'uma-password');
    await hub.addUser('ned', 'user', 'ned-password');
    for (const [id, user] of [['uma-demo', uma], ['ned-demo', ned]] as const) {
      expect((await req('/tenants', { method: 'POST', body: tenantBody(id), user })).status).toBe(201);
    }
    expect((await req('/tenants', { method: 'POST', headers: headers(false), body: tenantBody('real-one') })).status).toBe(201);
  });
  afterAll(async () => {
    await hub?.close();
    await fake.stop();
  });

  it("POST stores the seed's body as series with units in the names, labelled tenant_id and namespace; GET answers them in the seed's shape", async () => {
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE + 1234;
    const res = await post('real-one', {
      timestamp: iso(ts),
      metrics: { cpu_usage: 65.5, memory_usage: 78.2, gpu_usage: 85, network_in: 1250000, network_out: 850000, storage_used: 750000000000, request_count: 1250, response_time: 145.8, error_rate: 0.02 },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toMatch(/^req-/);
    const stored = await res.json();
    expect(stored).toMatchObject({ tenant_id: 'real-one', timestamp: iso(ts), stored: 9, duplicates: 0 });
    expect(stored.series).toContain('ecp_tenant_cpu_usage_percent');
    expect(stored.series).toContain('ecp_tenant_network_in_bytes_per_second');
    expect(stored.series).toContain('ecp_tenant_response_time_milliseconds');
    // The series as the store keeps them: only the hub's labels, none from the client.
    const q = await hub.json('/api/v1/monitoring/query?selector=ecp_tenant_error_ratio&since=1h&step=1m');
    expect(q.data.series).toEqual([{ labels: { tenant_id: 'real-one', namespace: 'ecp-ai-real-one' }, points: [[expect.any(Number), 0.02]] }]);

    const got = await (await req('/tenants/real-one/monitoring?hours=1&interval=1m')).json();
    const step = iso(Math.floor(ts / MINUTE) * MINUTE);
    expect(got).toMatchObject({ tenant_id: 'real-one', is_demo: false, simulated: false, interval: '1m' });
    expect(got.metrics.cpu).toEqual([{ timestamp: step, value: 65.5 }]);
    expect(got.metrics.memory).toEqual([{ timestamp: step, value: 78.2 }]);
    expect(got.metrics.gpu).toEqual([{ timestamp: step, value: 85 }]);
    expect(got.metrics.network_in).toEqual([{ timestamp: step, value: 1250000 }]);
    expect(got.metrics.storage).toEqual([{ timestamp: step, value: 750000000000 }]);
    expect(got.metrics.error_rate).toEqual([{ timestamp: step, value: 0.02 }]);
    expect(got.summary).toMatchObject({ avg_cpu: 65.5, max_cpu: 65.5, avg_memory: 78.2, max_gpu: 85 });
    expect(got.sources).toMatchObject({ cpu: 'posted', gpu: 'posted' });
    expect(Date.parse(got.time_range.end) - Date.parse(got.time_range.start)).toBeGreaterThanOrEqual(3_600_000);
    // No X-Debug: no debug detail.
    expect(got.debug).toBeUndefined();
  });

  it('a second post averages within the step; metric_type narrows the answer to its keys', async () => {
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
    expect((await post('real-one', { timestamp: iso(ts), metrics: { cpu_usage: 40 } })).status).toBe(201);
    expect((await post('real-one', { timestamp: iso(ts + 1000), metrics: { cpu_usage: 60 } })).status).toBe(201);
    const got = await (await req('/tenants/real-one/monitoring?metric_type=cpu&hours=1&interval=1m')).json();
    expect(Object.keys(got.metrics)).toEqual(['cpu', 'cpu_cores']);
    expect(got.metrics.cpu[0]).toEqual({ timestamp: iso(ts), value: 50 });
    expect(got.summary.max_cpu).toBe(65.5);
    const net = await (await req('/tenants/real-one/monitoring?metric_type=network&hours=1')).json();
    expect(Object.keys(net.metrics).sort()).toEqual(['network_in', 'network_out']);
  });

  it("GPU power and memory of the tenant's namespace come from the agents' GPU process series labelled namespace=<tenant namespace>; absent, null with a reason", async () => {
    const before = await (await req('/tenants/real-one/monitoring?metric_type=gpu&hours=1&interval=1m')).json();
    expect(before.metrics.gpu_power_watts).toEqual([]);
    expect(before.summary.avg_gpu_power_watts).toBeNull();
    expect(before.sources.gpu_power_watts).toBeNull();
    expect(before.unavailable.gpu_power_watts).toMatch(/no gpu_process_power_watts series with namespace=ecp-ai-real-one/);

    const node = await hub.addNode('gpu-1', 'lab');
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
    const pod = (pid: string, namespace: string) => ({ gpu: '0', uuid: 'GPU-1', pid, namespace, pod: `${namespace}-pod-${pid}`, container: 'c' });
    await hub.publishTelemetry(
      node,
      [
        { metric: 'gpu_process_power_watts', labels: pod('11', 'ecp-ai-real-one'), value: 120, ts },
        { metric: 'gpu_process_power_watts', labels: pod('12', 'ecp-ai-real-one'), value: 80, ts },
        // Another namespace's process: not the tenant's.
        { metric: 'gpu_process_power_watts', labels: pod('13', 'other'), value: 999, ts },
        { metric: 'gpu_process_memory_used_bytes', labels: pod('11', 'ecp-ai-real-one'), value: 2 ** 30, ts },
      ],
      ts,
    );
    const got = await (await req('/tenants/real-one/monitoring?metric_type=gpu&hours=1&interval=1m')).json();
    expect(got.metrics.gpu_power_watts).toEqual([{ timestamp: iso(ts), value: 200 }]);
    expect(got.metrics.gpu_memory_bytes).toEqual([{ timestamp: iso(ts), value: 2 ** 30 }]);
    expect(got.sources.gpu_power_watts).toBe('measured');
    expect(got.unavailable.gpu_power_watts).toBeUndefined();
    expect(got.summary.max_gpu_power_watts).toBe(200);
  });

  it("GPU utilisation of the tenant's pods from the agents' per-process SM% series: summed per GPU, averaged over its GPUs; another namespace's process not counted", async () => {
    const node = await hub.addNode('gpu-4', 'lab');
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const proc = (pid: string, uuid: string, namespace = 'ecp-ai-real-one') => ({ gpu: '0', uuid, pid, namespace, pod: `${namespace}-${pid}`, container: 'c' });
    await hub.publishTelemetry(
      node,
      [
        { metric: 'gpu_process_utilization_percent', labels: proc('41', 'GPU-A'), value: 40, ts },
        { metric: 'gpu_process_utilization_percent', labels: proc('42', 'GPU-A'), value: 30, ts },
        { metric: 'gpu_process_utilization_percent', labels: proc('43', 'GPU-B'), value: 50, ts },
        { metric: 'gpu_process_utilization_percent', labels: proc('44', 'GPU-A', 'other'), value: 25, ts },
      ],
      ts,
    );
    const got = await (await req('/tenants/real-one/monitoring?metric_type=gpu&hours=1&interval=1m')).json();
    // GPU-A: 40 + 30 = 70 % of it is the tenant's; GPU-B: 50 %; over its two GPUs: 60 %.
    expect(got.metrics.gpu_utilization).toEqual([{ timestamp: iso(ts), value: 60 }]);
    expect(got.sources.gpu_utilization).toBe('measured');
    expect(got.summary).toMatchObject({ avg_gpu_utilization: 60, max_gpu_utilization: 60 });
    // The posted `gpu` stays what the tenant posted, apart from the measured key.
    expect(got.sources.gpu).toBe('posted');
  });

  it('/ws/alerts raises alerts on measured values of a real tenant\'s pods (GPU utilisation averaged over its GPUs, GPU power summed), not only on posts', async () => {
    expect((await req('/tenants', { method: 'POST', headers: headers(false), body: tenantBody('hot', { chatbot: 10 }) })).status).toBe(201);
    const frames: Record<string, unknown>[] = [];
    let wake = () => {};
    const socket = new WebSocket(`${hub.api.replace(/^http/, 'ws')}/ws/alerts/hot`, { headers: { authorization: `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}` } });
    socket.on('message', (raw) => {
      frames.push(JSON.parse(raw.toString()));
      wake();
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const count = (n: number) => new Promise<void>((resolve) => {
      wake = () => frames.length >= n && resolve();
      wake();
    });
    const node = await hub.addNode('gpu-5', 'lab');
    const proc = (pid: string, uuid: string, namespace = 'ecp-ai-hot') => ({ gpu: '0', uuid, pid, namespace, pod: `${namespace}-${pid}`, container: 'c' });
    const now = Date.now() - 1000;
    // Another namespace at 100 % and 900 W: nothing for this tenant.
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_utilization_percent', labels: proc('60', 'GPU-H', 'other'), value: 100, ts: now }, { metric: 'gpu_process_power_watts', labels: proc('60', 'GPU-H', 'other'), value: 900, ts: now }], now);
    // 95 % and 99 % on two GPUs: 97 %, above the warning (90), below critical (98).
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_utilization_percent', labels: proc('61', 'GPU-H'), value: 95, ts: now + 1 }, { metric: 'gpu_process_utilization_percent', labels: proc('62', 'GPU-I'), value: 99, ts: now + 1 }], now + 1);
    await count(1);
    expect(frames[0]).toMatchObject({ tenant_id: 'hot', severity: 'warning', type: 'resource_usage', metric: 'gpu_utilization', current_value: 97, threshold: 90 });
    // 400 + 250 W: 650 W, above critical (600); the utilisation, still warning, raises nothing more.
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_power_watts', labels: proc('61', 'GPU-H'), value: 400, ts: now + 2 }, { metric: 'gpu_process_power_watts', labels: proc('62', 'GPU-I'), value: 250, ts: now + 2 }], now + 2);
    await count(2);
    expect(frames[1]).toMatchObject({ tenant_id: 'hot', severity: 'critical', metric: 'gpu_power_watts', current_value: 650, threshold: 600, message: 'measured GPU power 650 W is above the critical threshold 600 W' });
    socket.close();
    expect(frames).toHaveLength(2);
    // Gone again (the later tests count the real tenants' quotas).
    expect((await req('/tenants/hot?force=true', { method: 'DELETE', headers: headers(false) })).status).toBe(200);
    await vi.waitFor(async () => expect((await req('/tenants/hot')).status).toBe(404), { timeout: 30_000, interval: 50 });
  });

  it("a GPU process stored with only its pod_uid counts for the tenant once the hub's pod watch places that pod in the tenant's namespace", async () => {
    const apply = async (path: string, obj: unknown) => {
      const res = await fetch(`${fake.url}${path}?fieldManager=test`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: JSON.stringify(obj) });
      expect(res.ok).toBe(true);
      return (await res.json()) as { metadata: { uid: string } };
    };
    await apply('/api/v1/namespaces/ecp-ai-real-one', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ecp-ai-real-one' } });
    const pod = await apply('/api/v1/namespaces/ecp-ai-real-one/pods/callbot-x', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'callbot-x', namespace: 'ecp-ai-real-one' },
      spec: { containers: [{ name: 'callbot', image: 'ecp-ai/callbot:latest' }] },
    });
    // The agent's series name the cluster as hub.yaml does (`fake`) and carry only the pod's UID: no namespace label.
    const node = await hub.addNode('gpu-2', 'fake');
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - 4 * MINUTE;
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_power_watts', labels: { gpu: '0', uuid: 'GPU-2', pid: '21', pod_uid: pod.metadata.uid }, value: 55, ts }], ts);
    // The watch learns the pod asynchronously: wait for the answer to show it (the condition, not a time).
    await vi.waitFor(
      async () => {
        const got = await (await req('/tenants/real-one/monitoring?metric_type=gpu&hours=1&interval=1m')).json();
        expect(got.metrics.gpu_power_watts).toContainEqual({ timestamp: iso(ts), value: 55 });
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it("CPU (cores, the rate of the agents' pod_cpu_usage_seconds_total) and memory (bytes) of the tenant's pods from the pod-cgroups collector's series, placed by the pod watch; another namespace's pod not counted; the posted % keys stay apart", async () => {
    const apply = async (path: string, obj: unknown) => {
      const res = await fetch(`${fake.url}${path}?fieldManager=test`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: JSON.stringify(obj) });
      expect(res.ok).toBe(true);
      return (await res.json()) as { metadata: { uid: string } };
    };
    const pod = (namespace: string, name: string) => apply(`/api/v1/namespaces/${namespace}/pods/${name}`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'ecp-ai/callbot:latest' }] } });
    await apply('/api/v1/namespaces/ecp-ai-real-one', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ecp-ai-real-one' } });
    await apply('/api/v1/namespaces/other', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const [p1, p2, p3] = [await pod('ecp-ai-real-one', 'stt-a'), await pod('ecp-ai-real-one', 'tts-b'), await pod('other', 'noisy')];
    const node = await hub.addNode('cpu-1', 'fake');
    const GiB = 1024 ** 3;
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 7 * MINUTE;
    // What the agent's collector publishes (pod_uid and qos only) at four readings 20 s apart, the last in the next minute.
    // stt-a: +30 s of CPU per 20 s = 1.5 cores; tts-b: +5 s per 20 s = 0.25 cores; noisy (other namespace): 5 cores.
    const readings = [0, 1, 2, 3].map((i) => ({
      ts: t0 + 5_000 + i * 20_000,
      pods: [
        { uid: p1.metadata.uid, qos: 'burstable' as const, cpuUsageUsec: (100 + 30 * i) * 1e6, memoryBytes: i < 3 ? GiB : 3 * GiB },
        { uid: p2.metadata.uid, qos: 'guaranteed' as const, cpuUsageUsec: (10 + 5 * i) * 1e6, memoryBytes: 512 * 1024 ** 2 },
        { uid: p3.metadata.uid, qos: 'besteffort' as const, cpuUsageUsec: 100 * i * 1e6, memoryBytes: 8 * GiB },
      ],
    }));
    for (const r of readings) await hub.publishTelemetry(node, podSamples(r.pods, r.ts), r.ts);
    // The watch learns the pods asynchronously: wait for the answer to count both of the tenant's (the condition, not a time).
    const cpuAnswer = async () => (await req('/tenants/real-one/monitoring?metric_type=cpu&hours=1&interval=1m')).json();
    let cpu = await cpuAnswer();
    await vi.waitFor(
      async () => {
        cpu = await cpuAnswer();
        expect(cpu.metrics.cpu_cores).toEqual([
          { timestamp: iso(t0), value: 1.75 },
          { timestamp: iso(t0 + MINUTE), value: 1.75 },
        ]);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(cpu.sources).toMatchObject({ cpu_cores: 'measured', cpu: 'posted' });
    expect(cpu.summary).toMatchObject({ avg_cpu_cores: 1.75, max_cpu_cores: 1.75 });
    expect(cpu.unavailable.cpu_cores).toBeUndefined();
    const mem = await (await req('/tenants/real-one/monitoring?metric_type=memory&hours=1&interval=1m')).json();
    // Step 1: 1 GiB + 512 MiB; step 2 (the fourth reading): 3 GiB + 512 MiB.
    expect(mem.metrics.memory_bytes).toEqual([
      { timestamp: iso(t0), value: GiB + 512 * 1024 ** 2 },
      { timestamp: iso(t0 + MINUTE), value: 3 * GiB + 512 * 1024 ** 2 },
    ]);
    expect(mem.sources.memory_bytes).toBe('measured');
    expect(Object.keys(mem.metrics)).toEqual(['memory', 'memory_bytes']);
    // /metrics (fresh series only: one reading now): the agent's pod series get the watched pod's namespace and name.
    const now = Date.now();
    await hub.publishTelemetry(node, podSamples([{ ...readings[3]!.pods[0]!, cpuUsageUsec: 500e6 }], now), now);
    const text = await (await hub.request('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith('kcloud_pod_memory_usage_bytes{') && l.includes(`pod_uid="${p1.metadata.uid}"`));
    expect(line).toContain('namespace="ecp-ai-real-one"');
    expect(line).toContain('pod="stt-a"');
    expect(line).toContain('qos="burstable"');
  });

  it('a real tenant with no pod cgroup series: cpu_cores and memory_bytes empty, with the reason (never 0)', async () => {
    expect((await req('/tenants', { method: 'POST', headers: headers(false), body: tenantBody('quiet', { chatbot: 5 }) })).status).toBe(201);
    const got = await (await req('/tenants/quiet/monitoring?hours=1&interval=5m')).json();
    expect(got.metrics.cpu_cores).toEqual([]);
    expect(got.sources.cpu_cores).toBeNull();
    expect(got.unavailable.cpu_cores).toBe("no pod_cpu_usage_seconds_total series with namespace=ecp-ai-quiet (or of a pod the watch places there) in this range: no pod cgroup (the agents' pod-cgroups collector) of the tenant's pods was measured");
    expect(got.unavailable.memory_bytes).toMatch(/^no pod_memory_usage_bytes series with namespace=ecp-ai-quiet/);
    expect((await req('/tenants/quiet?force=true', { method: 'DELETE', headers: headers(false) })).status).toBe(200);
    await vi.waitFor(async () => expect((await req('/tenants/quiet')).status).toBe(404), { timeout: 30_000, interval: 50 });
  });

  it('demo tenants: values they did not post are simulated and marked so; measured GPU power stays empty with the reason', async () => {
    const got = await (await req('/tenants/uma-demo/monitoring?hours=1&interval=5m')).json();
    expect(got).toMatchObject({ is_demo: true, simulated: true });
    expect(got.sources).toMatchObject({ cpu: 'simulated', memory: 'simulated', gpu: 'simulated' });
    expect(got.metrics.cpu.length).toBeGreaterThanOrEqual(12);
    const tenant = { tenantId: 'uma-demo', requirements: { callbot: 30, chatbot: 50 } };
    for (const p of got.metrics.cpu) expect(p.value).toBe(simulatedValue(tenant, 'cpu', Date.parse(p.timestamp)));
    expect(got.metrics.gpu_power_watts).toEqual([]);
    expect(got.unavailable.gpu_power_watts).toMatch(/^demo tenant/);
    // Request counts are not simulated: empty with a reason, never made up.
    expect(got.metrics.requests).toEqual([]);
    expect(got.unavailable.requests).toMatch(/nothing posted for request_count/);
    // What a demo tenant posts replaces the simulation for that key.
    const ts = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    expect((await post('uma-demo', { timestamp: iso(ts), metrics: { cpu_usage: 12.5 } }, uma)).status).toBe(201);
    const after = await (await req('/tenants/uma-demo/monitoring?metric_type=cpu&hours=1&interval=1m', { user: uma })).json();
    expect(after.sources.cpu).toBe('posted');
    expect(after.simulated).toBe(false);
    expect(after.metrics.cpu).toEqual([{ timestamp: iso(ts), value: 12.5 }]);
  });

  it("another user's tenant is refused (403 FORBIDDEN) for reading and posting; its creator and admins may; unknown tenants are 404", async () => {
    const series = await storedTenantSeries();
    for (const res of [await req('/tenants/uma-demo/monitoring', { user: ned }), await post('uma-demo', { metrics: { cpu_usage: 1 } }, ned)]) {
      expect(res.status).toBe(403);
      expect((await res.json()).error).toMatchObject({ code: 'FORBIDDEN', details: { tenant_id: 'uma-demo' }, request_id: expect.any(String) });
    }
    expect((await req('/tenants/uma-demo/monitoring', { user: uma })).status).toBe(200);
    expect((await req('/tenants/ned-demo/monitoring', { user: ned })).status).toBe(200);
    expect((await req('/tenants/uma-demo/monitoring')).status).toBe(200);
    const missing = await req('/tenants/no-such/monitoring');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('TENANT_NOT_FOUND');
    expect((await post('no-such', { metrics: { cpu_usage: 1 } })).status).toBe(404);
    expect((await req('/tenants/uma-demo/monitoring', { user: null })).status).toBe(401);
    expect(await storedTenantSeries()).toEqual(series);
  });

  it('hostile posts are refused with the field named and store nothing: non-finite, out of range, strings, unknown names, 10 000 metrics, future and ancient timestamps', async () => {
    const series = await storedTenantSeries();
    const refused = async (body: unknown, status: number, field?: RegExp) => {
      const res = await post('real-one', body);
      expect(res.status).toBe(status);
      const e = (await res.json()).error;
      expect(e.request_id).toEqual(expect.any(String));
      if (field) expect(`${e.message} ${JSON.stringify(e.details)}`).toMatch(field);
      return e;
    };
    await refused('{"metrics": {"cpu_usage": 1e999}}', 422, /cpu_usage/);
    await refused('{"metrics": {"cpu_usage": -1e999}}', 422, /cpu_usage/);
    await refused({ metrics: { cpu_usage: 'NaN' } }, 422, /cpu_usage/);
    await refused({ metrics: { cpu_usage: 100.5 } }, 422, /cpu_usage/);
    await refused({ metrics: { error_rate: -0.1 } }, 422, /error_rate/);
    await refused({ metrics: { error_rate: 2 } }, 422, /error_rate/);
    await refused({ metrics: { 'cpu_usage{evil="x"}': 1 } }, 422, /unknown field/);
    await refused({ metrics: { cpu_usage: 1, my_metric: 2 } }, 422, /my_metric|unknown field/);
    await refused({ metrics: {} }, 422, /metrics/);
    await refused({ metrics: { cpu_usage: 1 }, labels: { pod: 'x' } }, 422, /labels|unknown field/);
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`m_${i}_percent`, i]));
    const big = await refused({ metrics: many }, 413);
    expect(big.code).toBe('PAYLOAD_TOO_LARGE');
    const few = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`m${i}`, i]));
    await refused({ metrics: few }, 422, /unknown field/);
    await refused({ timestamp: iso(Date.now() + 3_600_000), metrics: { cpu_usage: 1 } }, 422, /timestamp/);
    await refused({ timestamp: '1970-01-01T00:00:00Z', metrics: { cpu_usage: 1 } }, 422, /timestamp/);
    await refused({ timestamp: 'yesterday', metrics: { cpu_usage: 1 } }, 422, /timestamp/);
    await refused('{"metrics": {"cpu_usage": 1}', 400);
    expect(await storedTenantSeries()).toEqual(series);
  });

  it('bad query parameters are 422 naming the parameter', async () => {
    for (const q of ['interval=2m', 'interval=1s', 'hours=0', 'hours=169', 'hours=abc', 'metric_type=disk']) {
      const res = await req(`/tenants/real-one/monitoring?${q}`);
      expect(res.status, q).toBe(422);
      expect((await res.json()).error.code).toBe('VALIDATION_ERROR');
    }
  });

  it("GET /monitoring/system: the live nodes' allocatable summed, the real tenants' quotas, the cluster that does not answer reported down (not zero)", async () => {
    const got = await (await req('/monitoring/system')).json();
    expect(got.cluster_status).toBe('degraded');
    expect(got.clusters).toEqual([
      { name: 'fake', status: 'up', reason: null, nodes: 3, ready_nodes: 2, allocatable: { cpu: '47500m', memory: '192Gi', gpu: 6 } },
      { name: 'gone', status: 'down', reason: expect.stringMatching(/^listing nodes failed: /), nodes: null, ready_nodes: null, allocatable: null },
    ]);
    expect(got.total_resources).toEqual({ cpu: '47500m', memory: '192Gi', gpu: 6, storage: null });
    // The one real tenant: callbot 30 + chatbot 50 at 99.5 % -> callbot 2 replicas (2000m, 4Gi, 1 GPU), chatbot 2 (1000m, 2Gi): 6000m, 12Gi, 2 GPUs; 100 + 160 GiB storage.
    expect(got.used_resources).toEqual({ cpu: '6000m', memory: '12Gi', gpu: 2, storage: '0.3TB' });
    expect(got.utilization).toEqual({ cpu: 12.6, memory: 6.3, gpu: 33.3, storage: null });
    expect(got).toMatchObject({ total_tenants: 3, demo_tenants: 2 });
    expect(got.unavailable.total_resources).toMatch(/gone down/);
    expect(got.unavailable.storage).toEqual(expect.any(String));
  });

  it('/ws/deployment follows a real tenant applied to the cluster (the cluster deployer\'s steps) to completed, then closes with 1000', async () => {
    const created = await (await req('/tenants', { method: 'POST', headers: headers(false), body: tenantBody('real-two', { chatbot: 20 }) })).json();
    const frames: { status: string; progress: number }[] = [];
    const socket = new WebSocket(`${hub.api.replace(/^http/, 'ws')}/ws/deployment/${created.deployment_id}`, { headers: { authorization: `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}` } });
    socket.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    const closed = await new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    expect(closed).toBe(1000);
    expect(frames.at(-1)).toMatchObject({ deployment_id: created.deployment_id, tenant_id: 'real-two', status: 'completed', progress: 100 });
    expect(frames.map((f) => f.progress)).toEqual([...frames.map((f) => f.progress)].sort((a, b) => a - b));
    expect(fake.get('namespaces', '', 'ecp-ai-real-two')).toBeDefined();
  });

  it("calculate-resources with a running tenant's id adds its measured GPU energy of the last month x ecp.prices.electricityKWh to the cost", async () => {
    expect((await req('/tenants', { method: 'POST', headers: headers(false), body: tenantBody('energetic', { chatbot: 10 }) })).status).toBe(201);
    const node = await hub.addNode('gpu-3', 'lab');
    const step = 5 * MINUTE;
    const t1 = Math.floor(Date.now() / step) * step - 4 * step;
    const proc = (pid: string) => ({ gpu: '0', uuid: 'GPU-3', pid, namespace: 'ecp-ai-energetic', pod: `energetic-${pid}`, container: 'c' });
    // Step 1: two processes, 120 + 80 W; step 3: one, 100 W. 25 Wh over 10 measured minutes, 150 W on average.
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_power_watts', labels: proc('31'), value: 120, ts: t1 }, { metric: 'gpu_process_power_watts', labels: proc('32'), value: 80, ts: t1 }], t1);
    await hub.publishTelemetry(node, [{ metric: 'gpu_process_power_watts', labels: proc('31'), value: 100, ts: t1 + 2 * step }], t1 + 2 * step);
    const calc = (body: Record<string, unknown>, user?: [string, string]) =>
      req('/tenants/calculate-resources', { method: 'POST', body: JSON.stringify({ service_requirements: { chatbot: 10 }, ...body }), ...(user ? { user } : {}) });
    const plain = await (await calc({})).json();
    // chatbot 10 at 99.5 %: 2 replicas, 2000m and 4Gi: 0.052/h x 730 + 120 GiB of storage = 40.30.
    expect(plain.estimated_cost).toBe('$40/month');
    expect(plain.energy).toBeUndefined();
    const got = await (await calc({ tenant_id: 'energetic' })).json();
    expect(got.energy).toEqual({ tenant_id: 'energetic', window_hours: 730, hours_measured: 0.167, measured_kwh: 0.025, average_power_watts: 150, monthly_kwh: 109.5, price_per_kwh: 0.2, monthly_cost: '$21.90/month' });
    expect(got.estimated_cost).toBe('$62/month');
    expect(got.unavailable).toBeUndefined();
    // A demo tenant runs nowhere: no energy, the reason, the cost unchanged.
    const demo = await (await calc({ tenant_id: 'uma-demo' })).json();
    expect(demo).toMatchObject({ energy: null, estimated_cost: '$40/month', unavailable: { energy: expect.stringMatching(/^demo tenant/) } });
    // Another user's tenant: its measured energy is its monitoring (403); unknown: 404.
    const other = await calc({ tenant_id: 'energetic' }, ned);
    expect(other.status).toBe(403);
    expect((await other.json()).error.code).toBe('FORBIDDEN');
    expect((await calc({ tenant_id: 'no-such' })).status).toBe(404);
  });

  it('X-Debug: true adds the debug detail for admins only; ignored for others', async () => {
    const admin = await (await req('/tenants/real-one/monitoring?hours=1', { headers: { ...headers(true), 'x-debug': 'true', 'x-request-id': 'dbg-1' } })).json();
    expect(admin.debug).toMatchObject({ request_id: 'dbg-1', namespace: 'ecp-ai-real-one', step_ms: 300_000, series_read: expect.objectContaining({ cpu: 1 }) });
    const sys = await (await req('/monitoring/system', { headers: { ...headers(true), 'x-debug': 'true' } })).json();
    expect(sys.debug).toMatchObject({ capacity_timeout_ms: 5000 });
    const user = await (await req('/tenants/uma-demo/monitoring?hours=1', { user: uma, headers: { ...headers(true), 'x-debug': 'true' } })).json();
    expect(user.tenant_id).toBe('uma-demo');
    expect(user.debug).toBeUndefined();
    expect((await (await req('/monitoring/system', { user: uma, headers: { ...headers(true), 'x-debug': 'true' } })).json()).debug).toBeUndefined();
  });
});
