import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueryCsv } from '../../agent/collectors/gpu/parse-csv.js';
import { parseNumber } from '../../shared/units.js';
import { podCgroup, startFleet, type TestFleet } from '../helpers/fleet.js';
import { REPO, SHARED } from '../helpers/spawn-agent.js';

const FIX = join(SHARED, 'fixtures');
const BMC_DEFAULTS = readFileSync(join(SHARED, 'bmc-sim/sensors.defaults'), 'utf8');

/** The first GPU row of a scenario's --query-gpu capture, as the fake nvidia-smi replays it. */
function csvRow(scenario: string): Record<string, string> {
  return parseQueryCsv(readFileSync(join(FIX, 'nvidia-smi-csv', `${scenario}-query-gpu-all.csv`), 'utf8'))[0]!;
}

/** pid -> used MiB from the capture's `load :: query-compute-apps` section. */
function computeAppsMib(capture: string): Map<number, number> {
  const text = readFileSync(join(FIX, 'nvidia-smi-captures', `${capture}.txt`), 'utf8');
  const section = text.slice(text.indexOf('# load :: query-compute-apps'));
  return new Map([...section.matchAll(/^[^#\n]*?, (\d+), [^,]+, (\d+) MiB$/gm)].slice(0, 3).map((m) => [Number(m[1]), Number(m[2])]));
}

/** A BMC default from ../shared/bmc-sim/sensors.defaults. */
const bmcDefault = (name: string) => Number(new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(BMC_DEFAULTS)![1]);

const H100 = 'h100-80gb-hbm3-590.48.01-load';
const MIG = 'h100-mig-590.48.01-load';
const H100_CAPTURE = 'linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01';
const MIG_CAPTURE = 'linux-x86_64__nvidia-h100-mig__590.48.01';
/** test/fakes/proc: the H100 capture's three pids as a Kubernetes pod (11345), a Docker container and a bare process. */
const fakeProcCgroups = Object.fromEntries([11345, 11327, 11328].map((pid) => [pid, readFileSync(join(REPO, 'test/fakes/proc', String(pid), 'cgroup'), 'utf8')]));
const podA = /pod([0-9a-f_]{36})\.slice/.exec(fakeProcCgroups[11345]!)![1]!.replaceAll('_', '-');
const podB = '6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
const podC = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const cid = (n: number) => n.toString(16).padStart(64, 'a');

/**
 * Two real agents behind the real hub, every number traced to the fake
 * sources: an 8x H100 machine (the H100 load capture with GPU 0 replicated,
 * the real ipmi_sim BMC, a fake RAPL zone) and an H100 in MIG mode (its load
 * capture; no A100 stream capture exists). The fake /proc puts their GPU
 * processes into Kubernetes pods.
 */
describe('monitor API end to end: hub + two agents with fake GPUs, BMC and /proc', () => {
  let fleet: TestFleet;
  const h100 = csvRow(H100);
  const mig = csvRow(MIG);
  const h100Apps = computeAppsMib(H100_CAPTURE);
  const migApps = computeAppsMib(MIG_CAPTURE);

  beforeAll(async () => {
    fleet = await startFleet([
      { node: 'gpu-h100', cluster: 'lab', scenario: H100, gpus: 8, bmc: true, raplUjPer100ms: 10_000_000, cgroups: fakeProcCgroups },
      {
        node: 'gpu-mig',
        cluster: 'lab',
        scenario: MIG,
        cgroups: { 21198: podCgroup(podB, cid(2)), 21180: podCgroup(podC, cid(3), 'besteffort'), 21181: '0::/user.slice/user-1000.slice/session-3.scope\n' },
      },
    ]);
    // The BMC (1 s polls), the process attribution and the node inventories arrive after the first GPU samples.
    await waitForAll(fleet);
  }, 40_000);
  afterAll(async () => fleet?.stop());

  it('lists both machines\' GPUs with the fixtures\' readings', async () => {
    const body = await fleet.api.json('/api/v1/accelerators/gpus?include_metrics=true');
    const onA = body.data.filter((g: { node: string }) => g.node === 'gpu-h100');
    expect(onA.map((g: { gpu_id: string }) => g.gpu_id)).toEqual(['nvidia0', 'nvidia1', 'nvidia2', 'nvidia3', 'nvidia4', 'nvidia5', 'nvidia6', 'nvidia7']);
    for (const g of onA) {
      expect(g).toMatchObject({
        model: h100.name,
        driver_version: h100.driver_version,
        power_watts: parseNumber(h100['power.draw']!),
        temperature_celsius: parseNumber(h100['temperature.gpu']!),
        utilization_percent: parseNumber(h100['utilization.gpu']!),
        memory_used_mb: parseNumber(h100['memory.used']!),
        memory_total_mb: parseNumber(h100['memory.total']!),
        mig_mode: 'Disabled',
        status: 'active',
      });
    }
    const [b] = body.data.filter((g: { node: string }) => g.node === 'gpu-mig');
    // MIG: utilization.gpu is [N/A] -> null, not 0; its processes make it active.
    expect(b).toMatchObject({ power_watts: parseNumber(mig['power.draw']!), utilization_percent: null, mig_mode: 'Enabled', status: 'active', process_count: 3 });
    const summary = await fleet.api.json('/api/v1/accelerators/gpus/summary');
    expect(summary.data).toMatchObject({ total_gpus: 9, active_gpus: 9, nodes: ['gpu-h100', 'gpu-mig'] });
  });

  it('resolves nvidia<N> per node: nvidia0 (same UUID on both captures) is ambiguous', async () => {
    const res = await fleet.api.request('/api/v1/accelerators/gpus/nvidia0');
    expect(res.status).toBe(409);
    expect((await res.json()).error.details.candidates.map((c: { node: string }) => c.node).sort()).toEqual(['gpu-h100', 'gpu-mig']);
    const detail = await fleet.api.json('/api/v1/accelerators/gpus/nvidia0?node=gpu-mig');
    expect(detail.data.mig_devices.length).toBeGreaterThan(0);
    expect(detail.data.mig_devices.every((d: { profile: string | null }) => typeof d.profile === 'string')).toBe(true);
    expect((await fleet.api.json('/api/v1/accelerators/gpus/nvidia3')).data).toMatchObject({
      node: 'gpu-h100',
      power_limit_watts: parseNumber(h100['enforced.power.limit']!),
      // The agent reads these from `-q` (and --query-gpu for compute_cap); the capture's CSV row says the same.
      architecture: /^ {4}Product Architecture\s+: (.+)$/m.exec(readFileSync(join(FIX, 'nvidia-smi-q-text', `${H100}-q.txt`), 'utf8'))![1],
      compute_capability: h100.compute_cap,
      pcie_generation: parseNumber(h100['pcie.link.gen.max']!),
      pcie_link_width: parseNumber(h100['pcie.link.width.max']!),
      pcie_generation_current: parseNumber(h100['pcie.link.gen.current']!),
      ecc_enabled: h100['ecc.mode.current'] === 'Enabled',
      persistence_mode_enabled: h100.persistence_mode === 'Enabled',
    });
  });

  it('reports GPU power over the stored samples, energy integrated from power', async () => {
    const body = await fleet.api.json('/api/v1/accelerators/gpus/nvidia3/power');
    const w = parseNumber(h100['power.draw']!)!;
    expect(body.data).toMatchObject({ current_power_watts: w, average_power_watts: w, min_power_watts: w, max_power_watts: w, energy_method: 'power_integral' });
    // Constant power: one full minute of energy per minute that holds samples.
    const minutes = body.data.energy_consumed_joules / (w * 60);
    expect([1, 2]).toContain(Math.round(minutes * 1000) / 1000);
  });

  it('shows nodes with host facts, GPUs and power by source', async () => {
    const body = await fleet.api.json('/api/v1/infrastructure/nodes');
    const a = body.data.find((n: { node_name: string }) => n.node_name === 'gpu-h100');
    const b = body.data.find((n: { node_name: string }) => n.node_name === 'gpu-mig');
    // The BMC's DCMI reading is the node total where there is one; the MIG node has only its GPU.
    expect(a).toMatchObject({ status: 'ready', gpus_count: 8, power_watts: bmcDefault('Total_Power'), power_source: 'bmc_dcmi', gpu_pods_count: 1, role: null });
    expect(b).toMatchObject({ status: 'ready', gpus_count: 1, power_watts: parseNumber(mig['power.draw']!), power_source: 'sum_of_components', gpu_pods_count: 2 });
    expect(a.memory_gb).toBeCloseTo(totalmem() / 1024 ** 3, 1);
    const detail = await fleet.api.json('/api/v1/infrastructure/nodes/gpu-h100');
    expect(detail.data.gpus).toHaveLength(8);
    expect(detail.data.power.gpu_watts).toBeCloseTo(8 * parseNumber(h100['power.draw']!)!, 6);
    expect(detail.data.power.cpu_watts).toBeGreaterThan(0);
  });

  it('maps GPU processes to pods through /proc and sums their attributed power', async () => {
    const body = await fleet.api.json('/api/v1/infrastructure/pods');
    const byUid = new Map(body.data.map((p: { pod_uid: string }) => [p.pod_uid, p]));
    expect([...byUid.keys()].sort()).toEqual([podA, podB, podC].sort());
    // Without pmon SM% the collector splits a GPU's power by the processes' used memory.
    expect(byUid.get(podA)).toMatchObject({ node: 'gpu-h100', status: 'running', gpu_count: 1, gpu_ids: ['nvidia0'], pod_name: null, namespace: null });
    const h100Total = [...h100Apps.values()].reduce((x, y) => x + y, 0);
    expect((byUid.get(podA) as { power_watts: number }).power_watts).toBeCloseTo((parseNumber(h100['power.draw']!)! * h100Apps.get(11345)!) / h100Total, 2);
    const total = [...migApps.values()].reduce((x, y) => x + y, 0);
    const migW = parseNumber(mig['power.draw']!)!;
    expect((byUid.get(podB) as { power_watts: number }).power_watts).toBeCloseTo((migW * migApps.get(21198)!) / total, 2);
    expect((byUid.get(podC) as { power_watts: number }).power_watts).toBeCloseTo((migW * migApps.get(21180)!) / total, 2);
    const detail = await fleet.api.json(`/api/v1/infrastructure/pods/_/${podB}`);
    expect(detail.data.processes.map((p: { pid: string }) => p.pid)).toEqual(['21198']);
    expect(detail.data.containers[0].container_id).toBe(cid(2));
  });

  it('serves the BMC sensors and power of the node that has one', async () => {
    const sensors = await fleet.api.json('/api/v1/hardware/ipmi/sensors');
    expect(sensors.data.map((n: { node: string }) => n.node)).toEqual(['gpu-h100']);
    const temp = sensors.data[0].sensors.temperature.find((r: { name: string }) => r.name === 'CPU1_Temp');
    expect(temp.value).toBe(bmcDefault('CPU1_Temp'));
    const power = await fleet.api.json('/api/v1/hardware/ipmi/power');
    expect(power.data).toEqual([
      expect.objectContaining({ node: 'gpu-h100', total_power_watts: bmcDefault('Total_Power'), psu1_power_watts: bmcDefault('PSU1_Power'), psu2_power_watts: bmcDefault('PSU2_Power') }),
    ]);
    expect(power.summary).toEqual({ total_power_watts: bmcDefault('Total_Power'), node_count: 1, nodes_with_reading: 1 });
  });
});

/** Waits until the slower sources (BMC, process attribution, host inventory, RAPL) have reached the hub too. */
async function waitForAll(fleet: TestFleet): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [pods, power, nodes] = await Promise.all([
      fleet.api.json('/api/v1/infrastructure/pods?status=running'),
      fleet.api.json('/api/v1/hardware/ipmi/power'),
      fleet.api.json('/api/v1/infrastructure/nodes/gpu-h100'),
    ]);
    const ready = pods.data.length === 3 && power.data[0]?.total_power_watts != null && nodes.data.cpu_cores !== null && nodes.data.power.cpu_watts !== null;
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`sources incomplete: pods ${pods.data.length}, bmc ${JSON.stringify(power.data)}, node ${JSON.stringify(nodes.data)}\n${fleet.logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
