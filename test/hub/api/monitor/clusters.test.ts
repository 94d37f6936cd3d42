import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const gpu = (index: number, uuid: string) => ({ gpu: String(index), uuid });

/** What the nodes publish; every expected number below is computed from these. */
const GPU01: Sample[] = [
  { metric: 'gpu_power_watts', labels: gpu(0, 'GPU-aaaa'), value: 301.5 },
  { metric: 'gpu_power_watts', labels: gpu(1, 'GPU-bbbb'), value: 120.25 },
  { metric: 'gpu_utilization_percent', labels: gpu(0, 'GPU-aaaa'), value: 87 },
  { metric: 'gpu_utilization_percent', labels: gpu(1, 'GPU-bbbb'), value: 0 },
  { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 95.5 },
  { metric: 'rapl_power_watts', labels: { zone: 'package-0-dram', domain: 'dram' }, value: 12.5 },
  { metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 700 },
];
const CPU01: Sample[] = [{ metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 60 }];
const value = (samples: Sample[], metric: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)).reduce((a, s) => a + s.value, 0);

describe('GET /api/v1/clusters (agent clusters and configured ones)', () => {
  let api: ApiHub;

  beforeAll(async () => {
    api = await startApiHub({ clusters: [{ name: 'lab', region: 'eu-central-1' }, { name: 'planned', region: 'us-east-1' }] });
    const gpu01 = await api.addNode('gpu-01', 'lab');
    await api.addNode('gpu-02', 'lab');
    const cpu01 = await api.addNode('cpu-01', 'edge');
    await api.publishStatus(gpu01, {});
    await api.publishStatus(cpu01, {});
    await api.publishInventory(gpu01, {
      gpus: [
        { index: 0, uuid: 'GPU-aaaa', name: H100 },
        { index: 1, uuid: 'GPU-bbbb', name: H100 },
      ],
    });
    await api.publishTelemetry(gpu01, GPU01);
    await api.publishTelemetry(cpu01, CPU01);
  });
  afterAll(() => api?.close());

  it('lists agent and configured clusters, in both the monitoring and the Proxmox list shapes', async () => {
    const body = await api.json('/api/v1/clusters');
    expect(body.resource_type).toBe('cluster');
    expect(body.metadata.data_source).toBe('kcloud');
    expect(body.data.map((c: { name: string }) => c.name)).toEqual(['edge', 'lab', 'planned']);
    expect(body.clusters).toEqual(body.data);
    expect(body.total).toBe(3);
    const [edge, lab, planned] = body.data;
    expect(lab).toMatchObject({
      name: 'lab',
      url: null,
      region: 'eu-central-1',
      status: 'connected',
      nodes_count: 2,
      gpus_count: 2,
      // The BMC's DCMI reading is the node's total when there is one.
      total_power_watts: value(GPU01, 'node_power_watts'),
    });
    // No BMC: the sum of the parts that are known.
    expect(edge).toMatchObject({ region: null, status: 'connected', nodes_count: 1, gpus_count: 0, total_power_watts: value(CPU01, 'rapl_power_watts', { domain: 'package' }) });
    expect(planned).toMatchObject({ region: 'us-east-1', status: 'unknown', nodes_count: 0, gpus_count: 0, total_power_watts: null });
  });

  it('summarises a cluster from its nodes\' inventory and samples', async () => {
    const body = await api.json('/api/v1/clusters/lab/summary');
    expect(body).toMatchObject({ cluster: 'lab', resource_type: 'cluster_summary', metadata: { data_source: 'kcloud' } });
    expect(body.data).toEqual({
      name: 'lab',
      region: 'eu-central-1',
      // gpu-02 never sent a status: one of two nodes ready.
      status: 'degraded',
      nodes: { total: 2, ready: 1, masters: null, workers: null },
      gpus: { total: 2, active: 1, idle: 1, error: 0, models: [H100] },
      pods: { total: null, running: null, pending: null },
      power: {
        total_watts: value(GPU01, 'node_power_watts'),
        gpu_watts: value(GPU01, 'gpu_power_watts'),
        cpu_watts: value(GPU01, 'rapl_power_watts', { domain: 'package' }),
        memory_watts: value(GPU01, 'rapl_power_watts', { domain: 'dram' }),
        efficiency_pue: null,
      },
    });
  });

  it('reports a cluster\'s power per node, null where a node reports nothing', async () => {
    const { data } = await api.json('/api/v1/clusters/lab/power');
    const gpuW = value(GPU01, 'gpu_power_watts');
    const cpuW = value(GPU01, 'rapl_power_watts', { domain: 'package' });
    const memW = value(GPU01, 'rapl_power_watts', { domain: 'dram' });
    const bmcW = value(GPU01, 'node_power_watts');
    expect(data).toMatchObject({
      cluster: 'lab',
      total_power_watts: bmcW,
      gpu_power_watts: gpuW,
      cpu_power_watts: cpuW,
      memory_power_watts: memW,
      bmc_power_watts: bmcW,
      other_power_watts: bmcW - gpuW - cpuW - memW,
      efficiency_pue: null,
      node_count: 2,
    });
    const byNode = Object.fromEntries(data.nodes.map((n: { node: string }) => [n.node, n]));
    expect(byNode['gpu-01']).toMatchObject({ total_power_watts: bmcW, gpu_power_watts: gpuW, sources: { gpu: 'nvidia-smi', cpu: 'rapl', total: 'bmc_dcmi' } });
    expect(byNode['gpu-02']).toMatchObject({ total_power_watts: null, gpu_power_watts: null, cpu_power_watts: null, timestamp: null });
  });

  it('answers 404 for an unknown cluster and 400 naming the parameter for a bad name', async () => {
    for (const path of ['/api/v1/clusters/nowhere/summary', '/api/v1/clusters/nowhere/power']) {
      const res = await api.request(path);
      expect(res.status).toBe(404);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: 'NOT_FOUND', message: 'cluster "nowhere" not found' });
      expect(typeof body.timestamp).toBe('string');
    }
    const bad = await api.request(`/api/v1/clusters/${'x'.repeat(64)}/summary`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'INVALID_PARAMETER', details: { parameter: 'cluster_name' } });
  });

  it('needs metrics:read: 401 anonymous, a viewer may read', async () => {
    for (const path of ['/api/v1/clusters', '/api/v1/clusters/lab/summary', '/api/v1/clusters/lab/power']) {
      expect((await api.request(path, { user: null })).status).toBe(401);
    }
    const viewer = await api.addUser('vera', 'viewer');
    expect((await api.request('/api/v1/clusters/lab/power', { user: viewer })).status).toBe(200);
  });
});
