import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostInventory } from '../../../../agent/collectors/host/inventory.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

// Host facts as systeminformation reports them, through the agent's own mapping.
const host = hostInventory({
  os: { hostname: 'worker1', fqdn: 'worker1.lab', distro: 'Ubuntu', release: '22.04.3 LTS', kernel: '5.15.0-91-generic', arch: 'x64' },
  cpu: { manufacturer: 'AMD', brand: 'EPYC 7413', physicalCores: 48, cores: 96, processors: 2 },
  mem: { total: 256 * GIB },
  system: { manufacturer: 'Supermicro', model: 'AS-4124GS', serial: 'S1', virtual: false },
  graphics: null,
});

const gpu = (i: number) => ({ index: i, uuid: `GPU-w1-${i}`, name: 'NVIDIA A30', serial: null, driverVersion: '535.183.01', cudaVersion: '12.2', vbios: null, pciBusId: null, memoryTotalBytes: 24 * GIB, powerLimits: { enforcedWatts: 165, defaultWatts: 165, minWatts: 100, maxWatts: 165 }, migMode: null, migDevices: [], processes: [] });

/** A gpu_process_* label set as the agent's gpu-processes collector writes it. */
const proc = (gpuIndex: number, pid: string, pod: { uid: string; ns?: string; name?: string; cid?: string; container?: string }) => ({
  gpu: String(gpuIndex),
  uuid: `GPU-w1-${gpuIndex}`,
  pid,
  container_id: pod.cid ?? '',
  pod_uid: pod.uid,
  namespace: pod.ns ?? '',
  pod: pod.name ?? '',
  container: pod.container ?? '',
});

describe('monitor API: infrastructure', () => {
  let api: ApiHub;
  let worker: TestNode;
  let idle: TestNode;
  const now = Date.now();
  const trainer = { uid: 'b3c0f5a2-7d1e-4c9a-9f2e-5a6b7c8d9e0f', ns: 'ml-workloads', name: 'training-job-1', cid: '4f1c2d3e', container: 'pytorch-trainer' };
  const anon = { uid: '0d9e8f7a-1111-2222-3333-444455556666', cid: 'aa11' };

  beforeAll(async () => {
    api = await startApiHub();
    worker = await api.addNode('worker1', 'lab');
    idle = await api.addNode('spare', 'lab');
    await api.publishInventory(worker, { host, gpus: [gpu(0), gpu(1)] });
    await api.publishInventory(idle, { host: { ...host, hostname: 'spare' } });
    await api.publishStatus(worker, { agentVersion: '1.2.3', sources: {} });
    await api.publishStatus(idle, { agentVersion: '1.2.3', sources: {} });
    await api.publishStatus(idle, { state: 'offline' });
    const samples: Sample[] = [
      { metric: 'host_cpu_utilization_percent', value: 78.5 },
      { metric: 'host_memory_used_bytes', value: 200 * GIB },
      { metric: 'host_memory_total_bytes', value: 256 * GIB },
      { metric: 'host_disk_size_bytes', labels: { mount: '/' }, value: 1024 * GIB },
      { metric: 'host_disk_used_bytes', labels: { mount: '/' }, value: 512 * GIB },
      { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 120.5 },
      { metric: 'rapl_power_watts', labels: { zone: 'package-1', domain: 'package' }, value: 110.25 },
      { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-w1-0' }, value: 150 },
      { metric: 'gpu_power_watts', labels: { gpu: '1', uuid: 'GPU-w1-1' }, value: 90 },
      { metric: 'gpu_process_power_watts', labels: proc(0, '11345', trainer), value: 120.75 },
      { metric: 'gpu_process_power_watts', labels: proc(1, '11346', trainer), value: 60.5 },
      { metric: 'gpu_process_memory_used_bytes', labels: proc(0, '11345', trainer), value: 15690 * MIB },
      { metric: 'gpu_process_power_watts', labels: proc(1, '2001', anon), value: 20 },
      { metric: 'gpu_process_power_watts', labels: proc(0, 'idle', { uid: '' }), value: 29.25 },
    ];
    await api.publishTelemetry(worker, samples, now);
  });
  afterAll(async () => api?.close());

  it('refuses anonymous requests', async () => {
    for (const path of ['/infrastructure/nodes', '/infrastructure/nodes/worker1', '/infrastructure/pods', `/infrastructure/pods/ml-workloads/training-job-1`]) {
      expect((await api.request(`/api/v1${path}`, { user: null })).status, path).toBe(401);
    }
  });

  it('lists nodes from inventory, host samples and power; Kubernetes facts are null', async () => {
    const body = await api.json('/api/v1/infrastructure/nodes');
    expect(body.metadata.total_count).toBe(2);
    const w = body.data.find((n: { node_name: string }) => n.node_name === 'worker1');
    expect(w).toEqual({
      node_name: 'worker1',
      cluster: 'lab',
      role: null,
      status: 'ready',
      cpu_cores: 48,
      memory_gb: 256,
      power_watts: 150 + 90 + 120.5 + 110.25,
      power_source: 'sum_of_components',
      cpu_utilization_percent: 78.5,
      memory_utilization_percent: (200 / 256) * 100,
      pods_count: null,
      gpu_pods_count: 2,
      gpus_count: 2,
      kubernetes_reason: 'no Kubernetes connection for cluster lab (kubernetes.clusters)',
    });
    const s = body.data.find((n: { node_name: string }) => n.node_name === 'spare');
    expect(s).toMatchObject({ status: 'not_ready', power_watts: null, cpu_utilization_percent: null, gpus_count: 0 });
  });

  it('filters by status and role (role unknown: nothing matches), pages, and refuses bad values', async () => {
    expect((await api.json('/api/v1/infrastructure/nodes?status=ready')).data.map((n: { node_name: string }) => n.node_name)).toEqual(['worker1']);
    expect((await api.json('/api/v1/infrastructure/nodes?status=not_ready')).data.map((n: { node_name: string }) => n.node_name)).toEqual(['spare']);
    expect((await api.json('/api/v1/infrastructure/nodes?role=worker')).data).toEqual([]);
    expect((await api.json('/api/v1/infrastructure/nodes?limit=1&offset=1')).data).toHaveLength(1);
    for (const [path, param] of [
      ['/infrastructure/nodes?role=boss', 'role'],
      ['/infrastructure/nodes?status=up', 'status'],
      ['/infrastructure/pods?status=done', 'status'],
      ['/infrastructure/pods?has_gpu=perhaps', 'has_gpu'],
      ['/infrastructure/pods?offset=-1', 'offset'],
    ]) {
      const res = await api.request(`/api/v1${path}`);
      expect(res.status, path).toBe(400);
      expect((await res.json()).error.details.parameter, path).toBe(param);
    }
  });

  it('details a node; unknown nodes are 404', async () => {
    const body = await api.json('/api/v1/infrastructure/nodes/worker1');
    expect(body.data).toMatchObject({
      node_name: 'worker1',
      kubernetes_version: null,
      container_runtime: null,
      pods_capacity: null,
      os_image: 'Ubuntu 22.04.3 LTS',
      kernel_version: '5.15.0-91-generic',
      cpu_architecture: 'x86_64',
      cpu_threads: 96,
      memory_total_gb: 256,
      memory_available_gb: 56,
      disk_total_gb: 1024,
      disk_available_gb: 512,
      gpus: ['nvidia0', 'nvidia1'],
      agent_version: '1.2.3',
      power: { gpu_watts: 240, cpu_watts: 230.75, memory_watts: null, bmc_watts: null, other_watts: null },
    });
    const res = await api.request('/api/v1/infrastructure/nodes/ghost');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('lists pods from GPU process attribution with their attributed power', async () => {
    const body = await api.json('/api/v1/infrastructure/pods');
    expect(body.data).toHaveLength(2);
    const t = body.data.find((p: { pod_uid: string }) => p.pod_uid === trainer.uid);
    expect(t).toEqual({
      pod_name: 'training-job-1',
      pod_uid: trainer.uid,
      namespace: 'ml-workloads',
      node: 'worker1',
      cluster: 'lab',
      status: 'running',
      power_watts: 120.75 + 60.5,
      energy_joules: null,
      owner: null,
      kubernetes_reason: 'no Kubernetes connection for cluster lab (kubernetes.clusters)',
      cpu_utilization_percent: null,
      memory_used_mb: null,
      gpu_memory_used_mb: 15690,
      gpu_count: 2,
      gpu_ids: ['nvidia0', 'nvidia1'],
      gpu_uuids: ['GPU-w1-0', 'GPU-w1-1'],
      created_at: null,
      last_seen: new Date(now).toISOString(),
    });
    const a = body.data.find((p: { pod_uid: string }) => p.pod_uid === anon.uid);
    expect(a).toMatchObject({ pod_name: null, namespace: null, power_watts: 20, gpu_ids: ['nvidia1'] });
    expect((await api.json('/api/v1/infrastructure/pods?namespace=ml-workloads')).data.map((p: { pod_uid: string }) => p.pod_uid)).toEqual([trainer.uid]);
    expect((await api.json('/api/v1/infrastructure/pods?status=running&has_gpu=true&node=worker1')).data).toHaveLength(2);
    expect((await api.json('/api/v1/infrastructure/pods?status=failed')).data).toEqual([]);
    expect((await api.json('/api/v1/infrastructure/pods?has_gpu=false')).data).toEqual([]);
  });

  it('details a pod by namespace and name, or by UID under `_`; unknown pods are 404', async () => {
    const body = await api.json('/api/v1/infrastructure/pods/ml-workloads/training-job-1');
    expect(body.data).toMatchObject({ pod_name: 'training-job-1', power_watts: 181.25, ip: null, labels: null });
    expect(body.data.containers).toEqual([{ name: 'pytorch-trainer', container_id: '4f1c2d3e', image: null, status: 'running', restart_count: null }]);
    expect(body.data.processes).toEqual([
      { pid: '11345', gpu_id: 'nvidia0', uuid: 'GPU-w1-0', container: 'pytorch-trainer', container_id: '4f1c2d3e', power_watts: 120.75, gpu_memory_used_mb: 15690 },
      { pid: '11346', gpu_id: 'nvidia1', uuid: 'GPU-w1-1', container: 'pytorch-trainer', container_id: '4f1c2d3e', power_watts: 60.5, gpu_memory_used_mb: null },
    ]);
    expect((await api.json(`/api/v1/infrastructure/pods/_/${anon.uid}`)).data.pod_uid).toBe(anon.uid);
    expect((await api.json(`/api/v1/infrastructure/pods/ml-workloads/${trainer.uid}`)).data.pod_name).toBe('training-job-1');
    for (const path of ['/infrastructure/pods/default/training-job-1', '/infrastructure/pods/ml-workloads/nope']) {
      expect((await api.request(`/api/v1${path}`)).status, path).toBe(404);
    }
    const bad = await api.request('/api/v1/infrastructure/pods/Bad_NS/x');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.details.parameter).toBe('namespace');
  });
});
