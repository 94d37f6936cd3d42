import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const power = (uuid: string, value: number): Sample => ({ metric: 'gpu_power_watts', labels: { gpu: '0', uuid }, value });
const seriesLines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('Prometheus service discovery and per-node /metrics through the hub', () => {
  let api: ApiHub;
  let a: TestNode;
  let b: TestNode;
  let viewer: [string, string];

  beforeAll(async () => {
    api = await startApiHub();
    a = await api.addNode('gpu-01', 'lab');
    b = await api.addNode('gpu.02', 'lab');
    viewer = await api.addUser('scraper', 'viewer');
    for (const n of [a, b]) await api.publishStatus(n, {});
    // gpu-01 reports through nvidia-smi's inventory, gpu.02 through DCGM's discovery.
    await api.publishInventory(a, { gpus: [{ index: 0, uuid: 'GPU-a', name: H100, pciBusId: '00000000:00:09.0', driverVersion: '590.48.01' }] });
    await api.publishInventory(b, { dcgm: { gpus: [{ id: 0, uuid: 'GPU-b', name: H100, pciBusId: '00000000:83:00.0' }] } });
    await api.publishTelemetry(a, [power('GPU-a', 301.5)]);
    await api.publishTelemetry(b, [power('GPU-b', 402.5)]);
  });
  afterAll(() => api?.close());

  it('lists one http_sd_configs target group per node: this hub, its per-node path, instance = node', async () => {
    const res = await api.request('/api/v1/prometheus/targets', { user: viewer });
    expect(res.status).toBe(200);
    const host = new URL(api.api).host;
    expect(await res.json()).toEqual([
      { targets: [host], labels: { __metrics_path__: '/metrics/nodes/gpu-01', __scheme__: 'http', instance: 'gpu-01' } },
      { targets: [host], labels: { __metrics_path__: '/metrics/nodes/gpu.02', __scheme__: 'http', instance: 'gpu.02' } },
    ]);
  });

  it("serves one node's series only, with modelName from nvidia-smi's or DCGM's inventory", async () => {
    const one = await (await api.request('/metrics/nodes/gpu-01', { user: viewer })).text();
    expect(seriesLines(one, 'DCGM_FI_DEV_POWER_USAGE')).toEqual([
      `DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="${H100}",Hostname="gpu-01",hostname="gpu-01",DCGM_FI_DRIVER_VERSION="590.48.01",cluster="lab"} 301.5`,
    ]);
    // No hub internals on a node's endpoint.
    expect(one).not.toContain('kcloud_hub_');
    const two = await (await api.request('/metrics/nodes/gpu.02', { user: viewer })).text();
    expect(seriesLines(two, 'DCGM_FI_DEV_POWER_USAGE')).toEqual([
      `DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-b",pci_bus_id="00000000:83:00.0",device="nvidia0",modelName="${H100}",Hostname="gpu.02",hostname="gpu.02",DCGM_FI_DRIVER_VERSION="",cluster="lab"} 402.5`,
    ]);
  });

  it('answers 404 with the monitor error body for a node it does not know', async () => {
    const res = await api.request('/metrics/nodes/nowhere', { user: viewer });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('is authenticated like /metrics: 401 anonymous on both routes', async () => {
    for (const path of ['/api/v1/prometheus/targets', '/metrics/nodes/gpu-01']) {
      const res = await api.request(path, { user: null });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('drops an offline node from its endpoint at once', async () => {
    await api.publishStatus(b, { state: 'offline' });
    const two = async () => seriesLines(await (await api.request('/metrics/nodes/gpu.02', { user: viewer })).text(), 'DCGM_FI_DEV_POWER_USAGE');
    // The status goes through the broker: wait for the hub to apply it.
    await waitFor(async () => (await two()).length === 0, 10_000, 'gpu.02 offline');
    expect(await two()).toEqual([]);
  });
});
