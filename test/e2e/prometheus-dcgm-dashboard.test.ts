import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../helpers/fleet.js';
import { freePort } from '../helpers/mosquitto.js';
import { startPrometheus, type RealPrometheus } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/spawn-agent.js';

interface Panel {
  title: string;
  expr: string;
  needs?: string[];
}
const DASHBOARD = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/grafana/dcgm-exporter-12239-panels.json'), 'utf8')) as {
  variables: { instance: string; gpu: string };
  panels: Panel[];
};

/** What each test machine can fill (see `needs` in the fixture). */
const HOSTS = [
  { node: 'gpu-h100', scenario: 'h100-80gb-hbm3-590.48.01-load', gpus: 2, has: ['whole-gpu-utilization'] },
  { node: 'gpu-mig', scenario: 'h100-mig-590.48.01-load', has: [] },
  { node: 'gpu-dcgm', scenario: 'h100-80gb-hbm3-590.48.01-load', dcgm: true, has: ['whole-gpu-utilization', 'dcgm'] },
  // The MIG H100 through DCGM with profiling: the fake dcgmi's instances of test/fixtures/dcgmi (constructed, not captured).
  {
    node: 'gpu-dcgm-mig',
    scenario: 'h100-mig-590.48.01-load',
    dcgm: true,
    env: { FAKE_DCGMI_MIG: '1', KCLOUD_COLLECTORS_DCGM_PROFILING: 'true' },
    has: ['dcgm', 'dcgm-profiling'],
  },
] as const;

/** Grafana's `label_values(metric{sel}, label)`, through the Prometheus series API as Grafana asks it. */
async function labelValues(prom: RealPrometheus, query: string): Promise<string[]> {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
  if (!m) throw new Error(`not a label_values query: ${query}`);
  const res = await fetch(`${prom.url}/api/v1/series?${new URLSearchParams({ 'match[]': m[1]!, start: String(Date.now() / 1000 - 60) })}`);
  const body = (await res.json()) as { data: Record<string, string>[] };
  return [...new Set(body.data.map((s) => s[m[2]!]!))].sort();
}

/** A panel's PromQL with Grafana's variables filled: one instance, every GPU ("All"). */
const fill = (expr: string, instance: string) => expr.replaceAll('$instance', instance.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).replaceAll('$gpu', '.*');

/**
 * NVIDIA's dcgm-exporter dashboard against a real Prometheus scraping four
 * real agents (H100 x2 and H100 MIG through the fake nvidia-smi, an H100 and
 * the MIG H100 with profiling through the fake dcgmi) directly, and the hub through its HTTP service
 * discovery (one target per node, `instance` = node): every panel returns
 * data for every host whose sources can fill it, and `instance` selects one host.
 */
describe("dcgm-exporter's dashboard over kcloud agents and the hub", () => {
  let fleet: TestFleet;
  let prom: RealPrometheus;
  const ports: number[] = [];

  beforeAll(async () => {
    for (const _ of HOSTS) ports.push(await freePort());
    fleet = await startFleet(HOSTS.map((h, i) => ({ ...h, cluster: 'lab', metricsPort: ports[i] })), { timeoutMs: 60_000 });
    const scraper = await fleet.api.addUser('prometheus', 'viewer');
    prom = await startPrometheus([
      { job: 'agents', target: ports.map((p) => `127.0.0.1:${p}`) },
      { job: 'hub', target: [], httpSd: `${fleet.api.api}/api/v1/prometheus/targets`, basicAuth: scraper },
    ]);
    // Every host's GPU temperature, once per job.
    await waitFor(async () => (await prom.query('count by (job) (count by (job, instance) (DCGM_FI_DEV_GPU_TEMP))')).every((r) => r.value[1] === String(HOSTS.length)) && (await prom.query('count by (job) (DCGM_FI_DEV_GPU_TEMP)')).length === 2, 60_000, 'every host scraped by both jobs');
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
    await fleet?.stop();
  });

  it('the instance variable lists every agent, and every node through the hub', async () => {
    const instances = await labelValues(prom, DASHBOARD.variables.instance);
    expect(instances).toEqual([...ports.map((p) => `127.0.0.1:${p}`), ...HOSTS.map((h) => h.node)].sort());
  });

  it.each(HOSTS.flatMap((h, i) => ['agents', 'hub'].map((job) => [h.node, job, i] as const)))('every panel on %s through %s', async (node, job, i) => {
    const host = HOSTS[i]!;
    const instance = job === 'hub' ? node : `127.0.0.1:${ports[i]}`;
    const gpus = await labelValues(prom, DASHBOARD.variables.gpu.replace('$instance', instance));
    expect(gpus).toEqual(host.node === 'gpu-h100' ? ['0', '1'] : ['0']);
    for (const panel of DASHBOARD.panels) {
      const result = await prom.query(fill(panel.expr, instance));
      const fillable = (panel.needs ?? []).every((n) => (host.has as readonly string[]).includes(n));
      expect(result.length > 0, `${panel.title} on ${instance}`).toBe(fillable);
      // `instance` selects one host: no series of another leaks into a panel.
      for (const r of result) if (r.metric.instance !== undefined) expect(r.metric.instance).toBe(instance);
    }
  });

  it('has the MIG host\'s profiling per GPU instance under GPU_I_ID / GPU_I_PROFILE, on the agent and through the hub', async () => {
    for (const job of ['agents', 'hub']) {
      const series = await prom.query(`DCGM_FI_PROF_GR_ENGINE_ACTIVE{job="${job}", Hostname="gpu-dcgm-mig"}`);
      const byInstance = Object.fromEntries(series.map((r) => [r.metric.GPU_I_ID ?? '', [r.metric.GPU_I_PROFILE ?? '', r.value[1]]]));
      // The whole GPU (no GPU_I_ID) and instances 2, 3 and 9; instance 10 reads N/A in the fixture and has none.
      expect(byInstance, job).toEqual({ '': ['', '0.423'], 2: ['3g.40gb', '0.987'], 3: ['2g.20gb', '0'], 9: ['1g.10gb', '0'] });
      expect(new Set(series.map((r) => r.metric.gpu)), job).toEqual(new Set(['0']));
    }
  });

  it('names GPUs on every host, the DCGM one from its discovery, with hostname beside Hostname', async () => {
    const temps = await prom.query('DCGM_FI_DEV_GPU_TEMP{job="hub"}');
    expect(new Set(temps.map((t) => t.metric.modelName))).toEqual(new Set(['NVIDIA H100 80GB HBM3']));
    for (const t of temps) expect([t.metric.hostname, t.metric.Hostname]).toEqual([t.metric.instance, t.metric.instance]);
    const dcgm = await prom.query('DCGM_FI_DEV_GPU_TEMP{job="agents", Hostname="gpu-dcgm"}');
    expect(dcgm.map((t) => t.metric.pci_bus_id)).toEqual(['00000000:00:09.0']);
  });
});
