import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../helpers/fleet.js';
import { freePort } from '../helpers/mosquitto.js';
import { startApiHub, type ApiHub } from '../helpers/api.js';
import { startPrometheus, type RealPrometheus } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/spawn-agent.js';

/**
 * A cluster the hub knows only through an existing Prometheus: a real agent
 * (fake nvidia-smi replaying the H100 capture, two GPUs) serves its node
 * /metrics under dcgm-exporter's names, a real Prometheus scrapes it, and a
 * hub configured with that Prometheus as cluster `url` answers the cluster
 * routes from it (data_source "prometheus").
 */
describe('a cluster read through a real Prometheus scraping an agent', () => {
  let fleet: TestFleet;
  let prom: RealPrometheus;
  let reader: ApiHub;

  beforeAll(async () => {
    const metricsPort = await freePort();
    fleet = await startFleet([{ node: 'gpu-prom', cluster: 'lab', scenario: 'h100-80gb-hbm3-590.48.01-load', gpus: 2, metricsPort }]);
    prom = await startPrometheus([{ job: 'kcloud-agent', target: `127.0.0.1:${metricsPort}` }]);
    reader = await startApiHub({ clusters: [{ name: 'remote', url: prom.url, region: 'lab-1', timeout: '2s', cacheTtl: '0s' }] });
    await waitFor(async () => (await prom.query('DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-prom"}')).length === 2, 20_000, 'both GPUs scraped');
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await prom?.stop();
    await fleet?.stop();
  });

  it('serves the cluster summary and power from Prometheus, matching what Prometheus holds', async () => {
    const before = await prom.query('sum(DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-prom"})');
    const summary = await reader.json('/api/v1/clusters/remote/summary');
    const power = await reader.json('/api/v1/clusters/remote/power');
    const after = await prom.query('sum(DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-prom"})');
    expect(summary).toMatchObject({ cluster: 'remote', metadata: { data_source: 'prometheus' } });
    expect(summary.data.nodes.total).toBe(1);
    expect(summary.data.gpus.total).toBe(2);
    const models = await prom.query('DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-prom"}');
    expect(summary.data.gpus.models).toEqual([...new Set(models.map((m) => m.metric.modelName))]);
    // Prometheus scrapes every 500 ms: the hub's answer lies between the sums read just before and just after it.
    const [lo, hi] = [Number(before[0]!.value[1]), Number(after[0]!.value[1])].sort((a, b) => a - b) as [number, number];
    expect(summary.data.power.gpu_watts).toBeGreaterThanOrEqual(lo - 1e-6);
    expect(summary.data.power.gpu_watts).toBeLessThanOrEqual(hi + 1e-6);
    expect(power.metadata.data_source).toBe('prometheus');
    const list = await reader.json('/api/v1/clusters');
    expect(list.clusters.find((c: { name: string }) => c.name === 'remote')).toMatchObject({ url: prom.url, status: 'connected', gpus_count: 2, nodes_count: 1 });
  });
});
