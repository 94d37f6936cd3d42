import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../hub/api/errors.js';
import { PrometheusClient } from '../../../hub/prometheus/client.js';
import type { Sample } from '../../../shared/schema/message.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { startPrometheus, type RealPrometheus } from '../../helpers/prometheus.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100-SXM4-40GB';
const GPU01: Sample[] = [
  { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-aaaa' }, value: 301.5 },
  { metric: 'gpu_power_watts', labels: { gpu: '1', uuid: 'GPU-bbbb' }, value: 120.25 },
  { metric: 'gpu_utilization_percent', labels: { gpu: '0', uuid: 'GPU-aaaa' }, value: 87 },
  { metric: 'gpu_utilization_percent', labels: { gpu: '1', uuid: 'GPU-bbbb' }, value: 0 },
  { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 95.5 },
  { metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 700 },
];
const GPU02: Sample[] = [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-cccc' }, value: 250.75 }];
const sum = (samples: Sample[], metric: string) => samples.filter((s) => s.metric === metric).reduce((a, s) => a + s.value, 0);

/**
 * A real Prometheus scrapes the hub's /metrics (Basic auth as a viewer, as
 * an operator's scrape config would); a second hub, configured with that
 * Prometheus as the `url` of cluster "remote", reads the fleet back through
 * the Prometheus HTTP API.
 */
describe('real Prometheus: scraping the hub, and a cluster read from it', () => {
  let source: ApiHub;
  let reader: ApiHub;
  let prom: RealPrometheus;

  beforeAll(async () => {
    source = await startApiHub();
    const gpu01 = await source.addNode('gpu-01', 'lab');
    const gpu02 = await source.addNode('gpu-02', 'lab');
    const scraper = await source.addUser('prometheus', 'viewer');
    await source.publishStatus(gpu01, {});
    await source.publishStatus(gpu02, {});
    await source.publishInventory(gpu01, { gpus: [{ index: 0, uuid: 'GPU-aaaa', name: H100 }, { index: 1, uuid: 'GPU-bbbb', name: H100 }] });
    await source.publishInventory(gpu02, { gpus: [{ index: 0, uuid: 'GPU-cccc', name: A100 }] });
    await source.publishTelemetry(gpu01, GPU01);
    await source.publishTelemetry(gpu02, GPU02);
    prom = await startPrometheus([{ job: 'kcloud-hub', target: `127.0.0.1:${source.hub.httpPorts[0]}`, basicAuth: scraper }]);
    reader = await startApiHub({ clusters: [{ name: 'remote', url: prom.url, region: 'eu-west-1', timeout: '2s', cacheTtl: '0s' }] });
  });
  afterAll(async () => {
    await prom?.stop();
    await reader?.close();
    await source?.close();
  });

  it('Prometheus scrapes the hub and answers a query for a published GPU value', async () => {
    let result: Awaited<ReturnType<RealPrometheus['query']>> = [];
    await waitFor(async () => (result = await prom.query('DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-01",gpu="0"}')).length > 0, 20_000, 'the first scrape');
    expect(result).toHaveLength(1);
    expect(result[0]!.metric).toMatchObject({ UUID: 'GPU-aaaa', modelName: H100, cluster: 'lab', job: 'kcloud-hub' });
    expect(Number(result[0]!.value[1])).toBe(GPU01[0]!.value);
    const up = await prom.query('up{job="kcloud-hub"}');
    expect(up[0]!.value[1]).toBe('1');
  });

  it('a cluster with a Prometheus url is summarised from it (data_source prometheus)', async () => {
    await waitFor(async () => (await prom.query('DCGM_FI_DEV_POWER_USAGE')).length === 3 && (await prom.query('kcloud_node_power_watts')).length === 1, 20_000, 'every series scraped');
    const body = await reader.json('/api/v1/clusters/remote/summary');
    expect(body).toMatchObject({ cluster: 'remote', resource_type: 'cluster_summary', metadata: { data_source: 'prometheus', cache_hit: false } });
    const gpu02 = sum(GPU02, 'gpu_power_watts');
    expect(body.data).toEqual({
      name: 'remote',
      region: 'eu-west-1',
      status: 'healthy',
      nodes: { total: 2, ready: 2, masters: null, workers: null },
      // gpu 0 of gpu-01 is at 87 %; the other two report no or zero utilisation.
      gpus: { total: 3, active: 1, idle: 2, error: 0, models: [A100, H100] },
      pods: { total: null, running: null, pending: null },
      power: {
        // gpu-01 has a BMC reading (its total); gpu-02 only its GPU.
        total_watts: sum(GPU01, 'node_power_watts') + gpu02,
        gpu_watts: sum(GPU01, 'gpu_power_watts') + gpu02,
        cpu_watts: sum(GPU01, 'rapl_power_watts'),
        memory_watts: null,
        efficiency_pue: null,
      },
    });
  });

  it('a Prometheus cluster\'s power per node and its list entry', async () => {
    const { data, metadata } = await reader.json('/api/v1/clusters/remote/power');
    expect(metadata.data_source).toBe('prometheus');
    const byNode = Object.fromEntries(data.nodes.map((n: { node: string }) => [n.node, n]));
    expect(byNode['gpu-01']).toMatchObject({ gpu_power_watts: sum(GPU01, 'gpu_power_watts'), cpu_power_watts: sum(GPU01, 'rapl_power_watts'), bmc_power_watts: 700, total_power_watts: 700 });
    expect(byNode['gpu-02']).toMatchObject({ gpu_power_watts: sum(GPU02, 'gpu_power_watts'), bmc_power_watts: null, total_power_watts: sum(GPU02, 'gpu_power_watts') });
    const list = await reader.json('/api/v1/clusters');
    expect(list.data).toEqual([
      expect.objectContaining({ name: 'remote', url: prom.url, region: 'eu-west-1', status: 'connected', data_source: 'prometheus', nodes_count: 2, gpus_count: 3, error: null }),
    ]);
  });

  it('health reports the Prometheus reachable; /system/metrics counts the queries', async () => {
    const health = await (await reader.request('/api/v1/system/health', { user: null })).json();
    expect(health.status).toBe('healthy');
    // Public: the Prometheus address is internal and not shown here.
    expect(health.sources.prometheus).toEqual([{ cluster: 'remote', url: null, connected: true, response_time_ms: expect.any(Number), error: null }]);
    expect(health.prometheus).toMatchObject({ connected: true, url: null });
    const metrics = await (await reader.request('/api/v1/system/metrics')).text();
    const count = Number(/^prometheus_query_duration_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    // Two queries per cluster read (current series, nodes seen) and one per health probe, at least.
    expect(count).toBeGreaterThanOrEqual(7);
  });

  it('maps a Prometheus error answer (bad PromQL) to PROMETHEUS_ERROR', async () => {
    const client = new PrometheusClient({ url: prom.url, cluster: 'remote', timeoutMs: 2000, authorization: null });
    const err = await client.query('sum(').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'PROMETHEUS_ERROR', statusCode: 502, details: { cluster: 'remote', status: 400 } });
    expect((err as Error).message).toMatch(/bad_data/);
    const range = await client.queryRange('DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-02"}', Date.now() - 5000, Date.now(), 1000);
    expect(range).toHaveLength(1);
    expect(range[0]!.points.at(-1)!.value).toBe(GPU02[0]!.value);
  });

  it('Prometheus stopped: 502 PROMETHEUS_ERROR for the cluster, the list and health still answer', async () => {
    await prom.stop();
    for (const path of ['/api/v1/clusters/remote/summary', '/api/v1/clusters/remote/power']) {
      const res = await reader.request(path);
      expect(res.status).toBe(502);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: 'PROMETHEUS_ERROR', details: { cluster: 'remote' } });
      expect(JSON.stringify(body)).not.toContain(prom.url);
      expect(body.error.message).toMatch(/remote.*unreachable/);
      expect(typeof body.timestamp).toBe('string');
    }
    const list = await reader.json('/api/v1/clusters');
    expect(list.data[0]).toMatchObject({ name: 'remote', status: 'disconnected', nodes_count: null, gpus_count: null, total_power_watts: null, error: expect.stringMatching(/unreachable/) });
    const health = await (await reader.request('/api/v1/system/health', { user: null })).json();
    expect(health.status).toBe('degraded');
    expect(health.sources.prometheus[0]).toMatchObject({ cluster: 'remote', connected: false, response_time_ms: null });
    expect(health.prometheus.connected).toBe(false);
  });
});
