import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

const gpu = (index: string, uuid: string, value: number, ts?: number): Sample => ({ metric: 'gpu_power_watts', labels: { gpu: index, uuid }, value, ...(ts ? { ts } : {}) });
const rapl = (zone: string, domain: string, value: number, ts?: number): Sample => ({ metric: 'rapl_power_watts', labels: { zone, domain }, value, ...(ts ? { ts } : {}) });
const bmc = (value: number, ts?: number): Sample => ({ metric: 'node_power_watts', labels: { source: 'dcmi' }, value, ...(ts ? { ts } : {}) });
const proc = (uuid: string, pid: string, value: number, pod?: { namespace: string; pod: string }): Sample => ({
  metric: 'gpu_process_power_watts',
  labels: { gpu: '', uuid, pid, container_id: pod ? `c-${pod.pod}` : '', pod_uid: pod ? `u-${pod.pod}` : '', namespace: pod?.namespace ?? '', pod: pod?.pod ?? '', container: pod ? 'main' : '' },
  value,
});

/** What the two nodes publish now: n1 has two GPUs, two sockets, DRAM and a BMC; n2 (DCGM) one GPU and RAPL, no BMC. */
const N1 = { gpus: [250.5, 100.25], packages: [80, 70], dram: 20, bmc: 700 };
const N2 = { gpu: 300, package: 90, dram: 10 };
const n1Parts = N1.gpus[0]! + N1.gpus[1]! + N1.packages[0]! + N1.packages[1]! + N1.dram;
const n2Total = N2.gpu + N2.package + N2.dram;

describe('monitoring power API (seed 4.1-4.3)', () => {
  let api: ApiHub;
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    api = await startApiHub();
    n1 = await api.addNode('n1', 'c1');
    n2 = await api.addNode('n2', 'c2');
    await api.publishStatus(n1, {});
    await api.publishStatus(n2, { sources: { dcgm: { enabled: true, reason: '', lastSampleTs: null, errors: 0 } } });
    await api.publishTelemetry(n1, [
      gpu('0', 'GPU-a', N1.gpus[0]!),
      gpu('1', 'GPU-b', N1.gpus[1]!),
      rapl('intel-rapl:0', 'package', N1.packages[0]!),
      rapl('intel-rapl:1', 'package', N1.packages[1]!),
      rapl('intel-rapl:0:0', 'dram', N1.dram),
      bmc(N1.bmc),
      // GPU-a's split is of the same reading; GPU-b's is of an older one (80 W), which the breakdown scales to 100.25 W.
      proc('GPU-a', '4242', 150, { namespace: 'ml', pod: 'train-1' }),
      proc('GPU-a', '1234', 50.5),
      proc('GPU-a', 'idle', 50),
      proc('GPU-b', '777', 60, { namespace: 'ml', pod: 'infer-1' }),
      proc('GPU-b', 'idle', 20),
    ]);
    await api.publishTelemetry(n2, [gpu('0', 'GPU-c', N2.gpu), rapl('intel-rapl:0', 'package', N2.package), rapl('intel-rapl:0:0', 'dram', N2.dram)]);
  });
  afterAll(async () => {
    await api.close();
  });

  it('GET /monitoring/power adds up what the nodes published, naming the sources', async () => {
    const body = await api.json('/api/v1/monitoring/power');
    expect(body.resource_type).toBe('integrated_power');
    const d = body.data;
    expect(d.gpu_power_watts).toBeCloseTo(N1.gpus[0]! + N1.gpus[1]! + N2.gpu, 6);
    expect(d.cpu_power_watts).toBeCloseTo(N1.packages[0]! + N1.packages[1]! + N2.package, 6);
    expect(d.memory_power_watts).toBeCloseTo(N1.dram + N2.dram, 6);
    // n1's total is its BMC reading, n2's the sum of its parts.
    expect(d.total_power_watts).toBeCloseTo(N1.bmc + n2Total, 6);
    // Only n1 has a BMC: other = its BMC minus its parts.
    expect(d.other_power_watts).toBeCloseTo(N1.bmc - n1Parts, 6);
    expect(d.breakdown.hardware.ipmi_total).toBe(N1.bmc);
    expect(d.breakdown.accelerators).toEqual({ gpus: d.gpu_power_watts, npus: null });
    expect(d.breakdown.infrastructure.nodes).toBeCloseTo(N1.bmc + n2Total - d.gpu_power_watts, 6);
    expect(d.breakdown.infrastructure.pods).toBeCloseTo(150 + (60 * N1.gpus[1]!) / 80, 2);
    expect(d.efficiency.pue).toBeNull();
    // Nothing published utilisation: unknown, not 0.
    expect(d.efficiency.gpu_utilization_percent).toBeNull();
    expect(d.sources).toEqual({ gpu: ['dcgm', 'nvidia-smi'], cpu: ['rapl'], memory: ['rapl'], total: ['bmc_dcmi', 'sum_of_components'] });
    expect(body.metadata.data_source).toBe('mixed');
  });

  it('filters by cluster', async () => {
    const body = await api.json('/api/v1/monitoring/power?cluster=c2');
    expect(body.cluster).toBe('c2');
    expect(body.data.total_power_watts).toBeCloseTo(n2Total, 6);
    expect(body.data.other_power_watts).toBeNull();
    expect(body.data.breakdown.hardware.ipmi_total).toBeNull();
    expect(body.data.sources.gpu).toEqual(['dcgm']);
  });

  it('breaks power down by node and by cluster, percentages adding to 100', async () => {
    const byNode = await api.json('/api/v1/monitoring/power/breakdown?breakdown_by=node');
    expect(byNode.breakdown_by).toBe('node');
    const nodes = Object.fromEntries(byNode.data.map((e: { node: string }) => [e.node, e]));
    expect(nodes.n1.power_watts).toBe(N1.bmc);
    expect(nodes.n1.components.gpu).toBeCloseTo(N1.gpus[0]! + N1.gpus[1]!, 6);
    expect(nodes.n1.components.other).toBeCloseTo(N1.bmc - n1Parts, 6);
    expect(nodes.n2.power_watts).toBeCloseTo(n2Total, 6);
    expect(nodes.n2.components.other).toBeNull();
    expect(nodes.n1.percentage + nodes.n2.percentage).toBeCloseTo(100, 1);
    expect(nodes.n1.percentage).toBeCloseTo((N1.bmc / (N1.bmc + n2Total)) * 100, 1);
    expect(byNode.summary).toEqual({ total_power_watts: N1.bmc + n2Total, node_count: 2 });

    const byCluster = await api.json('/api/v1/monitoring/power/breakdown?breakdown_by=cluster');
    expect(byCluster.data.map((e: { cluster: string; power_watts: number }) => [e.cluster, e.power_watts])).toEqual([
      ['c1', N1.bmc],
      ['c2', n2Total],
    ]);
  });

  it('attributes GPU power to namespaces and workloads, conserving the fleet GPU power', async () => {
    const fleetGpu = (await api.json('/api/v1/monitoring/power')).data.gpu_power_watts as number;
    const scale = N1.gpus[1]! / 80;
    for (const by of ['namespace', 'workload']) {
      const body = await api.json(`/api/v1/monitoring/power/breakdown?breakdown_by=${by}`);
      const entries = body.data as { kind: string; namespace: string | null; workload?: string | null; power_watts: number; percentage: number }[];
      expect(entries.reduce((s, e) => s + e.power_watts, 0)).toBeCloseTo(fleetGpu, 2);
      expect(body.summary.total_power_watts).toBeCloseTo(fleetGpu, 2);
      expect(entries.reduce((s, e) => s + e.percentage, 0)).toBeCloseTo(100, 0);
      const kind = (k: string) => entries.filter((e) => e.kind === k);
      expect(kind('idle')[0]!.power_watts).toBeCloseTo(50 + 20 * scale, 2);
      expect(kind('host')[0]!.power_watts).toBe(50.5);
      expect(kind('unattributed')[0]!.power_watts).toBe(N2.gpu);
      if (by === 'namespace') {
        expect(kind('pod')).toHaveLength(1);
        expect(kind('pod')[0]!.namespace).toBe('ml');
        expect(kind('pod')[0]!.power_watts).toBeCloseTo(150 + 60 * scale, 2);
      } else {
        expect(Object.fromEntries(kind('pod').map((e) => [e.workload, e.power_watts]))).toEqual({ 'train-1': 150, 'infer-1': expect.closeTo(60 * scale, 2) });
      }
    }
  });

  it('answers 400 naming breakdown_by, and 401 to anonymous clients on every route', async () => {
    const bad = await api.request('/api/v1/monitoring/power/breakdown?breakdown_by=rack');
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.code).toBe('INVALID_PARAMETER');
    expect(body.error.message).toMatch(/breakdown_by/);
    for (const path of ['/api/v1/monitoring/power', '/api/v1/monitoring/power/breakdown', '/api/v1/monitoring/timeseries/power']) {
      expect((await api.request(path, { user: null })).status).toBe(401);
    }
  });
});

describe('monitoring power time series (seed 4.3)', () => {
  let api: ApiHub;
  const MIN = 60_000;
  const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
  const STEPS = [0, 1, 2, 3, 4, 6, 7, 8, 9]; // step 5 has no data at all
  beforeAll(async () => {
    api = await startApiHub();
    const n1 = await api.addNode('n1', 'c1');
    const n2 = await api.addNode('n2', 'c2');
    const s1: Sample[] = [];
    const s2: Sample[] = [];
    for (const k of STEPS) {
      const t = base + k * MIN;
      // Two GPU readings in the step average to 110 + k.
      s1.push(gpu('0', 'GPU-a', 100 + k, t + 10_000), gpu('0', 'GPU-a', 120 + k, t + 40_000), gpu('1', 'GPU-b', 50, t + 10_000));
      s1.push(rapl('intel-rapl:0', 'package', 60, t + 10_000), bmc(400 + 2 * k, t + 20_000));
      s2.push(gpu('0', 'GPU-c', 200, t + 5000), rapl('intel-rapl:0', 'package', 30, t + 5000), rapl('intel-rapl:0:0', 'dram', 10, t + 5000));
    }
    await api.publishTelemetry(n1, s1, base + 10 * MIN);
    await api.publishTelemetry(n2, s2, base + 10 * MIN);
  });
  afterAll(async () => {
    await api.close();
  });

  const iso = (ms: number) => new Date(ms).toISOString();

  it('gives each step the averaged power of the backfilled samples; empty steps are absent', async () => {
    const body = await api.json(`/api/v1/monitoring/timeseries/power?start_time=${iso(base)}&end_time=${iso(base + 10 * MIN)}&step=1m`);
    expect(body.resource_type).toBe('power_timeseries');
    expect(body.query).toEqual({ period: null, step: '1m', start_time: iso(base), end_time: iso(base + 10 * MIN) });
    const expected = STEPS.map((k) => ({
      timestamp: iso(base + k * MIN),
      gpu_power_watts: 110 + k + 50 + 200,
      cpu_power_watts: 90,
      memory_power_watts: 10,
      // n1: its BMC; n2: the sum of its parts.
      total_power_watts: 400 + 2 * k + 240,
      other_power_watts: 400 + 2 * k - (160 + k + 60),
    }));
    expect(body.data).toEqual(expected);
    const totals = expected.map((p) => p.total_power_watts);
    expect(body.summary).toEqual({
      total_samples: STEPS.length,
      average_power_watts: Math.round((totals.reduce((a, b) => a + b, 0) / totals.length) * 1000) / 1000,
      max_power_watts: Math.max(...totals),
      min_power_watts: Math.min(...totals),
    });
  });

  it('keeps a part no node reports null, never 0, and filters by cluster', async () => {
    const body = await api.json(`/api/v1/monitoring/timeseries/power?cluster=c1&start_time=${iso(base)}&end_time=${iso(base + 10 * MIN)}&step=5m`);
    // Step 0..4 and 5..9 (5 is empty): averages over the steps' samples of each series.
    const avg = (ks: number[]) => ks.reduce((a, b) => a + b, 0) / ks.length;
    const first = [0, 1, 2, 3, 4];
    const second = [6, 7, 8, 9];
    expect(body.data).toEqual(
      [first, second].map((ks, i) => ({
        timestamp: iso(base + i * 5 * MIN),
        gpu_power_watts: expect.closeTo(110 + avg(ks) + 50, 6),
        cpu_power_watts: 60,
        memory_power_watts: null,
        total_power_watts: expect.closeTo(400 + 2 * avg(ks), 6),
        other_power_watts: expect.closeTo(400 + 2 * avg(ks) - (160 + avg(ks) + 60), 6),
      })),
    );
  });

  it('answers 400 naming step for a bad step', async () => {
    for (const step of ['5x', '0m']) {
      const res = await api.request(`/api/v1/monitoring/timeseries/power?step=${step}`);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/step/);
    }
  });
});
