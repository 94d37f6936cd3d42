import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const PRICE = 0.5; // per kWh
const GPU_HOUR = 2;
const HOUR = 3_600_000;

/** On-prem cost through the real hub and store: GPU energy per Kubernetes namespace from the per-process split, and per-GPU-hour amortisation. */
describe('skyclust on-prem cost per namespace and GPU-hour', () => {
  let h: ApiHub;
  let ann: [string, string];
  const get = async (path: string) => {
    const res = await h.request(path, { user: ann });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    h = await startApiHub({ clouds: { onprem: { electricityPrice: PRICE, gpuHourCost: GPU_HOUR, currency: 'USD' } } });
    ann = await h.addUser('ann', 'user');
    // One reading per GPU, in the last whole hour: each falls in one hourly step, whose energy is its power x 1 h.
    const at = Math.floor(Date.now() / HOUR) * HOUR - HOUR / 2;
    const gpu = { gpu: '0', uuid: 'GPU-a' };
    const proc = (pid: string, pod: Record<string, string>, value: number) => ({
      metric: 'gpu_process_power_watts',
      labels: { ...gpu, pid, container_id: '', pod_uid: '', namespace: '', pod: '', container: '', ...pod },
      value,
      ts: at,
    });
    const n1 = await h.addNode('n1', 'rack1');
    await h.publishTelemetry(
      n1,
      [
        { metric: 'gpu_power_watts', labels: gpu, value: 1000, ts: at },
        proc('101', { pod_uid: 'uid-trainer', namespace: 'team-a', pod: 'trainer-0', container: 'main' }, 500),
        // A pod the agent could not name (and no pod directory here): a pod of an unknown namespace, not a host process.
        proc('102', { pod_uid: 'uid-unknown' }, 100),
        proc('202', {}, 100),
        proc('idle', {}, 300),
      ],
      at,
    );
    // A GPU whose agent sends no per-process split.
    const n2 = await h.addNode('n2', 'rack1');
    await h.publishTelemetry(n2, [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-b' }, value: 200, ts: at }], at);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
  });

  it('splits the GPU energy and GPU-hours by namespace (host, idle and unattributed apart) and prices both', async () => {
    const { status, body } = await get('/api/v1/cost-analysis/breakdown?provider=onprem&period=7d');
    expect(status).toBe(200);
    // GPU-a's hour goes by its power shares (500/100/100/300 of 1000 W), GPU-b's whole to unattributed; cost = kWh x 0.5 + GPU-hours x 2.
    expect(body.data.namespaces).toEqual([
      { cluster: 'rack1', kind: 'pod', namespace: 'team-a', energy_kwh: 0.5, gpu_hours: 0.5, cost: 1.25 },
      { cluster: 'rack1', kind: 'idle', namespace: null, energy_kwh: 0.3, gpu_hours: 0.3, cost: 0.75 },
      { cluster: 'rack1', kind: 'unattributed', namespace: null, energy_kwh: 0.2, gpu_hours: 1, cost: 2.1 },
      { cluster: 'rack1', kind: 'host', namespace: null, energy_kwh: 0.1, gpu_hours: 0.1, cost: 0.25 },
      { cluster: 'rack1', kind: 'pod', namespace: '', energy_kwh: 0.1, gpu_hours: 0.1, cost: 0.25 },
    ]);
    // The namespaces hold all of the GPUs' energy and hours: their costs add up to the GPU part of the total (the nodes here draw only GPU power).
    const sum = body.data.namespaces.reduce((a: number, n: { cost: number }) => a + n.cost, 0);
    expect(sum).toBeCloseTo(body.data.total_cost, 6);
  });

  it('adds each GPU\'s hours x clouds.onprem.gpuHourCost next to the energy cost', async () => {
    const { body } = await get('/api/v1/cost-analysis/breakdown?provider=onprem&period=7d');
    const services = Object.fromEntries(body.data.services.map((s: { service: string; cost: number }) => [s.service, s.cost]));
    expect(services).toEqual({ 'rack1/n1': 0.5, 'rack1/n2': 0.1, 'rack1/n1 GPU hours': 2, 'rack1/n2 GPU hours': 2 });
    expect(body.data.total_cost).toBe(4.6);
    const all = await get('/api/v1/cost-analysis?period=7d&provider=onprem');
    expect(all.body.data).toMatchObject({ total_cost: 4.6, estimated: true, breakdown: [{ provider: 'onprem', cost: 4.6, percentage: 100 }] });
  });
});

describe('skyclust on-prem cost of the hour under way', () => {
  let h: ApiHub;
  afterAll(async () => {
    await h?.close();
  });

  it('counts the current hour only up to now, not whole at its average power', async () => {
    h = await startApiHub({ clouds: { onprem: { electricityPrice: PRICE, gpuHourCost: GPU_HOUR, currency: 'USD' } } });
    const ann = await h.addUser('ann', 'user');
    const watts = 1000;
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
    const n1 = await h.addNode('n1', 'rack1');
    const at = Math.max(hourStart, Date.now() - 1000);
    await h.publishTelemetry(n1, [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-a' }, value: watts, ts: at }], at);

    const before = Date.now();
    const res = await h.request('/api/v1/cost-analysis/breakdown?provider=onprem&period=1d', { user: ann });
    const after = Date.now();
    // A query that began in one hour and ended in the next cannot be bounded this way; the reading is then in a whole hour.
    if (Math.floor(after / HOUR) * HOUR !== hourStart) return expect(res.status).toBe(200);
    const body = await res.json();
    const energy = body.data.services.find((s: { service: string }) => s.service === 'rack1/n1').cost / PRICE;
    const gpuHours = body.data.services.find((s: { service: string }) => s.service === 'rack1/n1 GPU hours').cost / GPU_HOUR;
    // The hub's "now" lies between the two clock readings; costs are rounded to cents.
    const kwhAt = (t: number) => (watts * (t - hourStart)) / HOUR / 1000;
    expect(energy).toBeGreaterThanOrEqual(kwhAt(before) - 0.01 / PRICE);
    expect(energy).toBeLessThanOrEqual(kwhAt(after) + 0.01 / PRICE);
    expect(gpuHours).toBeGreaterThanOrEqual((before - hourStart) / HOUR - 0.01 / GPU_HOUR);
    expect(gpuHours).toBeLessThanOrEqual((after - hourStart) / HOUR + 0.01 / GPU_HOUR);
  }, 180_000);
});
