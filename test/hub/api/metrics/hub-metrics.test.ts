import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsAccess } from '../../../../hub/api/metrics/config.js';
import { loadHubConfig } from '../../../../hub/config.js';
import { readHubState } from '../../../../hub/core/status-file.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { PROMTOOL_BIN, requireTool } from '../../../helpers/prometheus.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const MIB = 1024 * 1024;
const SAMPLES: Sample[] = [
  { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-aaaa' }, value: 301.5 },
  { metric: 'gpu_memory_used_bytes', labels: { gpu: '0', uuid: 'GPU-aaaa' }, value: 2048 * MIB },
  { metric: 'gpu_energy_joules', labels: { gpu: '0', uuid: 'GPU-aaaa' }, value: 1234.5 },
  { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 95.5 },
  { metric: 'ipmi_power_watts', labels: { sensor: 'Total_Power', id: '32h' }, value: 840 },
];

/** Lines of a family's series (not its HELP/TYPE). */
const seriesLines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('hub GET /metrics', () => {
  let api: ApiHub;
  let node: TestNode;
  let viewer: [string, string];
  let text = '';

  beforeAll(async () => {
    api = await startApiHub();
    node = await api.addNode('gpu-01', 'lab');
    await api.addNode('gpu-02', 'lab');
    viewer = await api.addUser('scraper', 'viewer');
    await api.publishStatus(node, {});
    await api.publishInventory(node, { gpus: [{ index: 0, uuid: 'GPU-aaaa', name: H100 }] });
    await api.publishTelemetry(node, SAMPLES);
    const res = await api.request('/metrics', { user: viewer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await res.text();
  });
  afterAll(() => api?.close());

  it('is authenticated by default: 401 anonymous with a Basic challenge', async () => {
    const res = await api.request('/metrics', { user: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await res.json()).error.code).toBe('UNAUTHORIZED');
  });

  it('publishes GPU values under dcgm-exporter names, units and labels, plus Hostname and cluster', () => {
    expect(seriesLines(text, 'DCGM_FI_DEV_POWER_USAGE')).toEqual([
      `DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaa",pci_bus_id="",device="nvidia0",modelName="${H100}",Hostname="gpu-01",hostname="gpu-01",DCGM_FI_DRIVER_VERSION="",cluster="lab"} 301.5`,
    ]);
    // dcgm-exporter reports framebuffer memory in MiB and energy in mJ.
    expect(seriesLines(text, 'DCGM_FI_DEV_FB_USED')[0]).toMatch(/ 2048$/);
    expect(seriesLines(text, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')[0]).toMatch(/ 1234500$/);
  });

  it('publishes the other metrics as kcloud_* with their labels', () => {
    expect(seriesLines(text, 'kcloud_rapl_power_watts')).toEqual(['kcloud_rapl_power_watts{zone="package-0",domain="package",Hostname="gpu-01",hostname="gpu-01",cluster="lab"} 95.5']);
    expect(seriesLines(text, 'kcloud_ipmi_power_watts')).toEqual(['kcloud_ipmi_power_watts{sensor="Total_Power",id="32h",Hostname="gpu-01",hostname="gpu-01",cluster="lab"} 840']);
  });

  it('adds the hub internals: store, broker, nodes, ingest rejects by reason', async () => {
    await api.hub.writeState();
    const state = readHubState(api.dataDir)!;
    expect(seriesLines(text, 'kcloud_hub_store_series')).toEqual([`kcloud_hub_store_series ${state.store.series}`]);
    expect(state.broker.mode).toBe('embedded');
    // Both test nodes hold an MQTT connection.
    expect(seriesLines(text, 'kcloud_hub_broker_clients')).toEqual(['kcloud_hub_broker_clients 2']);
    expect(seriesLines(text, 'kcloud_hub_nodes')).toEqual(expect.arrayContaining(['kcloud_hub_nodes{cluster="lab",state="online"} 1', 'kcloud_hub_nodes{cluster="lab",state="unknown"} 1']));
    expect(seriesLines(text, 'kcloud_hub_exported_series')).toEqual([`kcloud_hub_exported_series ${SAMPLES.length}`]);
    expect(text).toContain('ingest_rejected_total{reason="bad_topic"} 0');
    expect(seriesLines(text, 'ingest_samples_total')).toEqual([`ingest_samples_total ${SAMPLES.length}`]);
  });

  it('counts API requests by route pattern, never by raw URL', async () => {
    for (let i = 0; i < 3; i++) expect((await api.request('/api/v1/clusters/lab/summary')).status).toBe(200);
    expect((await api.request('/api/v1/clusters/nowhere/power')).status).toBe(404);
    expect((await api.request('/api/v1/no-such-thing/abc123')).status).toBe(404);
    const after = await (await api.request('/metrics')).text();
    expect(after).toContain('api_requests_total{method="GET",endpoint="/api/v1/clusters/:cluster_name/summary",status="200"} 3');
    expect(after).toContain('api_requests_total{method="GET",endpoint="/api/v1/clusters/:cluster_name/power",status="404"} 1');
    expect(after).toMatch(/api_requests_total\{method="GET",endpoint="unmatched",status="404"\} [1-9]/);
    expect(after).not.toContain('abc123');
    expect(after).not.toContain('nowhere');
    expect(after).toContain('api_request_duration_seconds_count{method="GET",endpoint="/api/v1/clusters/:cluster_name/summary"} 3');
  });

  it('counts a node registered since the last directory refresh (the CLI adds nodes from another process)', async () => {
    await api.addNode('gpu-03', 'lab');
    const after = await (await api.request('/metrics', { user: viewer })).text();
    expect(seriesLines(after, 'kcloud_hub_nodes')).toEqual(expect.arrayContaining(['kcloud_hub_nodes{cluster="lab",state="online"} 1', 'kcloud_hub_nodes{cluster="lab",state="unknown"} 2']));
  });

  /** Same allowance as the agent's golden test: dcgm-exporter's own names break promtool's style lint, nothing else may. */
  it('passes promtool check metrics', () => {
    const bin = requireTool(PROMTOOL_BIN);
    const all = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    for (const f of (all.stdout + all.stderr).split('\n').filter(Boolean)) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
    const ours = text
      .split(/\n(?=# HELP )/)
      .filter((family) => !family.startsWith('# HELP DCGM_FI_'))
      .join('\n');
    expect(ours).toContain('# TYPE kcloud_hub_store_bytes gauge');
    const clean = spawnSync(bin, ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });

  it("drops an offline node's series at once (its Last Will or a clean offline), keeping the others", async () => {
    const other = await api.addNode('gpu-04', 'lab');
    await api.publishTelemetry(other, [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-dddd' }, value: 222 }]);
    const before = await (await api.request('/metrics', { user: viewer })).text();
    expect(seriesLines(before, 'DCGM_FI_DEV_POWER_USAGE').filter((l) => l.includes('Hostname="gpu-04"'))).toHaveLength(1);

    await api.publishStatus(other, { state: 'offline' });
    const after = await (await api.request('/metrics', { user: viewer })).text();
    expect(seriesLines(after, 'DCGM_FI_DEV_POWER_USAGE').filter((l) => l.includes('Hostname="gpu-04"'))).toEqual([]);
    expect(seriesLines(after, 'DCGM_FI_DEV_POWER_USAGE').filter((l) => l.includes('Hostname="gpu-01"'))).toHaveLength(1);
  });
});

describe('metrics.access', () => {
  const config = loadHubConfig(undefined, {});
  it('is metrics:read unless the config says public', () => {
    expect(metricsAccess(config)).toBe('metrics:read');
    expect(metricsAccess({ ...config, metrics: { access: 'authenticated', legacyHostnameLabel: true } })).toBe('metrics:read');
    expect(metricsAccess({ ...config, metrics: { access: 'public', legacyHostnameLabel: true } })).toBe('public');
  });
});
