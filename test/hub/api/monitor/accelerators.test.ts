import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuInventory, GpuReport } from '../../../../agent/collectors/gpu/inventory.js';
import { parseNvidiaSmiQText } from '../../../../agent/collectors/gpu/parse-q-text.js';
import { parseNvidiaSmiXml } from '../../../../agent/collectors/gpu/parse-xml.js';
import { discoverGpus } from '../../../../agent/collectors/dcgm/source.js';
import { readInventory } from '../../../../agent/collectors/gpu/read-inventory.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { REPO, SHARED } from '../../../helpers/spawn-agent.js';

/** The GPU detail fields that come from the agent's inventory facts (architecture, PCIe link, ECC, persistence). */
function hardwareFacts(inv: GpuInventory) {
  return {
    architecture: inv.architecture,
    compute_capability: inv.computeCapability,
    pcie_generation: inv.pcieGeneration.max,
    pcie_link_width: inv.pcieLinkWidth.max,
    pcie_generation_current: inv.pcieGeneration.current,
    pcie_link_width_current: inv.pcieLinkWidth.current,
    ecc_enabled: inv.eccEnabled,
    persistence_mode_enabled: inv.persistenceModeEnabled,
    memory_bus_width: null,
  };
}

const MIB = 1024 * 1024;
const MIN = 60_000;
const FAKE_NVIDIA_SMI = join(REPO, 'test/fakes/nvidia-smi');

/** The samples the agent's gpu collector publishes for a report's readings (fields.ts names), labelled gpu/uuid. */
function readingSamples(g: GpuReport, ts: number): Sample[] {
  const labels = { gpu: String(g.inventory.index), uuid: g.inventory.uuid };
  const r = g.readings;
  const pairs: [string, number | null][] = [
    ['gpu_power_watts', r.powerWatts],
    ['gpu_power_limit_watts', r.powerLimitWatts],
    ['gpu_temperature_celsius', r.temperatureCelsius],
    ['gpu_memory_temperature_celsius', r.memoryTemperatureCelsius],
    ['gpu_utilization_percent', r.utilizationPercent],
    ['gpu_memory_utilization_percent', r.memoryUtilizationPercent],
    ['gpu_memory_used_bytes', r.memoryUsedBytes],
    ['gpu_memory_total_bytes', r.memoryTotalBytes],
    ['gpu_sm_clock_mhz', r.smClockMhz],
    ['gpu_memory_clock_mhz', r.memoryClockMhz],
  ];
  return pairs.flatMap(([metric, value]) => (value === null ? [] : [{ metric, labels, value, ts }]));
}

describe('monitor API: accelerators', () => {
  let api: ApiHub;
  let h100: TestNode;
  let a100: TestNode;
  // 8x H100 SXM (gpud's capture) and an A100 SXM4 80GB with MIG (telegraf's), parsed by the agent's own parsers.
  const h100Report = parseNvidiaSmiQText(readFileSync(join(SHARED, 'fixtures/nvidia-smi-q-text/gpud-8x-h100-sxm-535.161.08-q.txt'), 'utf8')).gpus;
  const a100Report = parseNvidiaSmiXml(readFileSync(join(SHARED, 'fixtures/nvidia-smi-xml/telegraf-a100-sxm4-v12.xml'), 'utf8')).gpus;
  const a100Uuid = a100Report[0]!.inventory.uuid;
  const now = Date.now();
  // History of A100 power for the metrics and power endpoints: one sample every 30 s over 6 minutes, 20 minutes ago.
  const base = Math.floor((now - 20 * MIN) / (5 * MIN)) * (5 * MIN);
  const history = Array.from({ length: 12 }, (_, i) => ({ ts: base + i * 30_000, value: 100 + ((i * 37) % 90) }));

  beforeAll(async () => {
    api = await startApiHub();
    h100 = await api.addNode('h100-node', 'lab');
    a100 = await api.addNode('a100-node', 'lab');
    await api.publishInventory(h100, { gpus: h100Report.map((g) => g.inventory) });
    await api.publishInventory(a100, { gpus: a100Report.map((g) => g.inventory) });
    for (const n of [h100, a100]) await api.publishStatus(n, { agentVersion: '1.0.0', sources: { gpu: { enabled: true, reason: 'fake', lastSampleTs: null, errors: 0 } } });
    const aLabels = { gpu: '0', uuid: a100Uuid };
    await api.publishTelemetry(a100, history.map((h) => ({ metric: 'gpu_power_watts', labels: aLabels, ...h })), history.at(-1)!.ts);
    await api.publishTelemetry(a100, [...readingSamples(a100Report[0]!, now), { metric: 'gpu_utilization_percent', labels: aLabels, value: 64, ts: now }], now);
    const h = h100Report.flatMap((g) => readingSamples(g, now));
    // GPU 1 runs a process (0 % utilisation in the capture); GPU 2 had an uncorrected ECC error; GPU 7 has a DCGM energy counter.
    const g = (i: number) => ({ gpu: String(i), uuid: h100Report[i]!.inventory.uuid });
    h.push({ metric: 'gpu_process_memory_used_bytes', labels: { ...g(1), pid: '4242', container_id: '', pod_uid: '', namespace: '', pod: '', container: '' }, value: 512 * MIB, ts: now });
    h.push({ metric: 'gpu_ecc_uncorrected_errors_total', labels: g(2), value: 1, ts: now });
    await api.publishTelemetry(h100, [10_000, 10_450, 11_000].map((value, i) => ({ metric: 'gpu_energy_joules', labels: g(7), value, ts: now - 3 * MIN + i * MIN })), now - MIN);
    await api.publishTelemetry(h100, h, now);
  });
  afterAll(async () => api?.close());

  it('refuses anonymous requests on every route', async () => {
    for (const path of ['/accelerators/gpus', '/accelerators/gpus/summary', '/accelerators/gpus/nvidia0', '/accelerators/gpus/nvidia0/metrics', '/accelerators/gpus/nvidia0/power', '/accelerators/npus']) {
      const res = await api.request(`/api/v1${path}`, { user: null });
      expect(res.status, path).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('lists every GPU with its inventory facts and the seed\'s four readings; include_metrics adds the rest', async () => {
    const body = await api.json('/api/v1/accelerators/gpus');
    expect(body.resource_type).toBe('gpu');
    expect(body.metadata.total_count).toBe(9);
    const a = body.data.find((g: { node: string }) => g.node === 'a100-node');
    expect(a).toMatchObject({
      gpu_id: 'nvidia0',
      uuid: a100Uuid,
      node: 'a100-node',
      cluster: 'lab',
      model: a100Report[0]!.inventory.name,
      driver_version: a100Report[0]!.inventory.driverVersion,
      cuda_version: a100Report[0]!.inventory.cudaVersion,
      memory_total_mb: a100Report[0]!.inventory.memoryTotalBytes! / MIB,
      mig_mode: 'Enabled',
      status: 'active',
    });
    const h = body.data.filter((g: { node: string }) => g.node === 'h100-node');
    expect(h.map((g: { gpu_id: string; uuid: string }) => [g.gpu_id, g.uuid])).toEqual(h100Report.map((g) => [`nvidia${g.inventory.index}`, g.inventory.uuid]));
    const full = (await api.json('/api/v1/accelerators/gpus?include_metrics=true')).data;
    for (const g of body.data) {
      const f = full.find((x: { uuid: string; node: string }) => x.uuid === g.uuid && x.node === g.node);
      expect(g).toEqual({
        ...Object.fromEntries(Object.keys(a).filter((k) => !['power_watts', 'temperature_celsius', 'utilization_percent', 'memory_used_mb'].includes(k)).map((k) => [k, g[k]])),
        power_watts: f.power_watts,
        temperature_celsius: f.temperature_celsius,
        utilization_percent: f.utilization_percent,
        memory_used_mb: f.memory_used_mb,
      });
    }
    expect(h[0].power_watts).not.toBeNull();
    expect(h[0]).not.toHaveProperty('power_limit_watts');
  });

  it('adds current readings with include_metrics, and derives status from them', async () => {
    const body = await api.json('/api/v1/accelerators/gpus?include_metrics=true&node=h100-node');
    expect(body.data).toHaveLength(8);
    for (const [i, g] of body.data.entries()) {
      const r = h100Report[i]!.readings;
      expect(g).toMatchObject({
        power_watts: r.powerWatts,
        power_limit_watts: r.powerLimitWatts,
        temperature_celsius: r.temperatureCelsius,
        utilization_percent: r.utilizationPercent,
        memory_utilization_percent: r.memoryUtilizationPercent,
        memory_used_mb: r.memoryUsedBytes! / MIB,
        memory_total_mb: r.memoryTotalBytes! / MIB,
        last_sample_at: new Date(now).toISOString(),
      });
    }
    expect(body.data.map((g: { status: string }) => g.status)).toEqual(['idle', 'active', 'error', 'idle', 'idle', 'idle', 'idle', 'idle']);
    expect(body.data[1].process_count).toBe(1);
    const errors = await api.json('/api/v1/accelerators/gpus?status=error');
    expect(errors.data.map((g: { uuid: string }) => g.uuid)).toEqual([h100Report[2]!.inventory.uuid]);
  });

  it('pages and filters by cluster', async () => {
    const page = await api.json('/api/v1/accelerators/gpus?limit=3&offset=2');
    expect(page.metadata).toMatchObject({ total_count: 9, limit: 3, offset: 2 });
    expect(page.data).toHaveLength(3);
    expect((await api.json('/api/v1/accelerators/gpus?cluster=other')).data).toEqual([]);
  });

  it('answers 400 naming the parameter for bad values', async () => {
    for (const [query, param] of [
      ['status=busy', 'status'],
      ['include_metrics=maybe', 'include_metrics'],
      ['limit=0', 'limit'],
      ['node=bad%20name', 'node'],
    ]) {
      const res = await api.request(`/api/v1/accelerators/gpus?${query}`);
      expect(res.status, query).toBe(400);
      const err = (await res.json()).error;
      expect(err.code).toBe('INVALID_PARAMETER');
      expect(err.details.parameter).toBe(param);
    }
    const res = await api.request('/api/v1/accelerators/gpus/nvidia1/metrics?period=2h');
    expect((await res.json()).error.details.parameter).toBe('period');
  });

  it('summarises the current readings (not captured by /gpus/{gpu_id})', async () => {
    const body = await api.json('/api/v1/accelerators/gpus/summary');
    expect(body.resource_type).toBe('gpu_summary');
    const all = [...h100Report.map((g) => g.readings), { ...a100Report[0]!.readings, utilizationPercent: 64 }];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const used = sum(all.map((r) => r.memoryUsedBytes!));
    const total = sum(all.map((r) => r.memoryTotalBytes!));
    expect(body.data).toEqual({
      total_gpus: 9,
      active_gpus: 2,
      idle_gpus: 6,
      error_gpus: 1,
      total_power_watts: Math.round(sum(all.map((r) => r.powerWatts!)) * 1000) / 1000,
      average_utilization_percent: Math.round((sum(all.map((r) => r.utilizationPercent!)) / 9) * 1000) / 1000,
      average_temperature_celsius: Math.round((sum(all.map((r) => r.temperatureCelsius!)) / 9) * 1000) / 1000,
      total_memory_mb: Math.round((total / MIB) * 1000) / 1000,
      used_memory_mb: Math.round((used / MIB) * 1000) / 1000,
      memory_utilization_percent: Math.round((used / total) * 100 * 1000) / 1000,
      nodes: ['a100-node', 'h100-node'],
    });
  });

  it('resolves gpu_id: ambiguous nvidia<N> is 409 with the candidates, node or UUID pick one, unknown is 404', async () => {
    const amb = await api.request('/api/v1/accelerators/gpus/nvidia0');
    expect(amb.status).toBe(409);
    const err = (await amb.json()).error;
    expect(err.code).toBe('CONFLICT');
    expect(err.details.candidates.map((c: { node: string }) => c.node)).toEqual(['a100-node', 'h100-node']);

    const a = await api.json('/api/v1/accelerators/gpus/nvidia0?node=a100-node');
    const inv = a100Report[0]!.inventory;
    expect(a.data).toMatchObject({
      gpu_id: 'nvidia0',
      uuid: inv.uuid,
      model: inv.name,
      vbios_version: inv.vbios,
      serial: inv.serial,
      pci_bus_id: inv.pciBusId,
      power_limit_watts: inv.powerLimits.enforcedWatts,
      power_default_watts: inv.powerLimits.defaultWatts,
      ...hardwareFacts(inv),
    });
    // Not null by accident: the A100's XML prints these (`Ampere`, gen 4, `16x`, ECC `Enabled`, persistence `Disabled`).
    expect([inv.architecture, inv.pcieGeneration.max, inv.pcieLinkWidth.max, inv.eccEnabled, inv.persistenceModeEnabled]).toEqual(['Ampere', 4, 16, true, false]);
    expect(a.data.mig_devices.map((d: { gpu_instance_id: number }) => d.gpu_instance_id)).toEqual(inv.migDevices.map((d) => d.gpuInstanceId));
    expect(a.data.mig_devices[0].memory_total_mb).toBe(inv.migDevices[0]!.memoryTotalBytes! / MIB);

    const byUuid = await api.json(`/api/v1/accelerators/gpus/${h100Report[5]!.inventory.uuid}`);
    const h5 = h100Report[5]!.inventory;
    expect(byUuid.data).toMatchObject({
      gpu_id: 'nvidia5',
      node: 'h100-node',
      architecture: h5.architecture,
      pcie_generation: h5.pcieGeneration.max,
      pcie_link_width: h5.pcieLinkWidth.max,
      ecc_enabled: h5.eccEnabled,
      persistence_mode_enabled: h5.persistenceModeEnabled,
    });
    expect((await api.json('/api/v1/accelerators/gpus/nvidia7')).data.node).toBe('h100-node');
    for (const path of ['/accelerators/gpus/nvidia99', '/accelerators/gpus/GPU-nope/power', '/accelerators/gpus/nvidia5/metrics?node=a100-node']) {
      const res = await api.request(`/api/v1${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe('NOT_FOUND');
    }
  });

  it('serves current metrics and a stepped time series from the store', async () => {
    const body = await api.json('/api/v1/accelerators/gpus/nvidia0/metrics?node=a100-node&period=1h&step=5m');
    const r = a100Report[0]!.readings;
    expect(body.data.current).toMatchObject({
      power_watts: r.powerWatts,
      temperature_celsius: r.temperatureCelsius,
      gpu_utilization_percent: 64,
      memory_used_mb: r.memoryUsedBytes! / MIB,
      sm_clock_mhz: r.smClockMhz,
      memory_clock_mhz: r.memoryClockMhz,
      pcie_throughput_rx_mbps: null,
      fan_speed_rpm: null,
    });
    // Samples 0..9 fall in the 5-minute step starting at `base`, 10..11 in the next.
    const firstStep = history.slice(0, 10).map((h) => h.value);
    const row = body.data.timeseries.find((p: { timestamp: string }) => p.timestamp === new Date(base).toISOString());
    expect(row.power_watts).toBe(Math.round((firstStep.reduce((a, b) => a + b, 0) / 10) * 1000) / 1000);
    expect(row.temperature_celsius).toBeNull();
    const last = body.data.timeseries.at(-1);
    expect(last.power_watts).toBe(r.powerWatts);
    expect(last.utilization_percent).toBe(64);
  });

  it('reports power over the period with the energy method it used', async () => {
    const body = await api.json('/api/v1/accelerators/gpus/nvidia0/power?node=a100-node');
    const values = [...history.map((h) => h.value), a100Report[0]!.readings.powerWatts!];
    const r = a100Report[0]!.readings;
    // nvidia-smi has no energy counter: Σ per-minute average × 60 s.
    const perMinute = new Map<number, number[]>();
    for (const p of [...history, { ts: now, value: r.powerWatts! }]) perMinute.set(Math.floor(p.ts / MIN), [...(perMinute.get(Math.floor(p.ts / MIN)) ?? []), p.value]);
    const joules = [...perMinute.values()].reduce((a, v) => a + (v.reduce((x, y) => x + y, 0) / v.length) * 60, 0);
    expect(body.data).toMatchObject({
      gpu_id: 'nvidia0',
      current_power_watts: r.powerWatts,
      average_power_watts: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1000) / 1000,
      max_power_watts: Math.max(...values),
      min_power_watts: Math.min(...values),
      power_limit_watts: r.powerLimitWatts,
      power_usage_percent: Math.round((r.powerWatts! / r.powerLimitWatts!) * 100 * 1000) / 1000,
      energy_consumed_joules: Math.round(joules * 1000) / 1000,
      energy_method: 'power_integral',
      efficiency_gflops_per_watt: null,
    });
    const dcgm = await api.json('/api/v1/accelerators/gpus/nvidia7/power');
    expect(dcgm.data).toMatchObject({ energy_method: 'counter', energy_consumed_joules: 1000 });
  });

  it('serves the NPU placeholder as an empty list with a note', async () => {
    const body = await api.json('/api/v1/accelerators/npus');
    expect(body.data).toEqual([]);
    expect(body.metadata.note).toMatch(/not implemented/);
  });

  it('documents the routes and their parameters in OpenAPI', async () => {
    const doc = await api.json('/docs/json');
    const params = doc.paths['/api/v1/accelerators/gpus'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['cluster', 'node', 'status', 'include_metrics', 'limit', 'offset']));
    expect(doc.paths['/api/v1/accelerators/gpus/{gpu_id}'].get.description).toMatch(/409/);
  });
});

describe('monitor API: GPU detail facts from the agent\'s inventory read', () => {
  let api: ApiHub;
  let inv: GpuInventory;
  const saved = { ...process.env };

  beforeAll(async () => {
    // What the agent publishes for the L40S capture: `-q` text plus --query-gpu=uuid,compute_cap (`8.9`), through the fake nvidia-smi.
    process.env.FAKE_NVIDIA_SMI_SCENARIO = 'l40s-595.80-idle';
    try {
      inv = (await readInventory(FAKE_NVIDIA_SMI)).gpus[0]!.inventory;
    } finally {
      process.env = { ...saved };
    }
    api = await startApiHub();
    const current = await api.addNode('l40s-node', 'lab');
    // An agent from before these facts: its inventory lacks the fields altogether.
    const old = await api.addNode('old-agent', 'lab');
    const { architecture: _a, computeCapability: _c, pcieGeneration: _g, pcieLinkWidth: _w, eccEnabled: _e, persistenceModeEnabled: _p, ...before } = inv;
    await api.publishInventory(current, { gpus: [inv] });
    await api.publishInventory(old, { gpus: [{ ...before, uuid: 'GPU-old-agent' }] });
  });
  afterAll(async () => api?.close());

  it('maps every inventory fact, the compute capability included', async () => {
    const body = await api.json('/api/v1/accelerators/gpus/nvidia0?node=l40s-node');
    expect(body.data).toMatchObject({
      uuid: inv.uuid,
      ...hardwareFacts(inv),
    });
    // All present in this capture (`Ada Lovelace`, `8.9`, gen 4 x16, ECC `Enabled`, persistence `Disabled`), so none of the above is a null matching a null.
    expect([inv.architecture, inv.computeCapability, inv.pcieGeneration.max, inv.pcieLinkWidth.max, inv.eccEnabled, inv.persistenceModeEnabled]).toEqual(['Ada Lovelace', '8.9', 4, 16, true, false]);
  });

  it('answers null, not an error, for an inventory without them', async () => {
    const body = await api.json('/api/v1/accelerators/gpus/GPU-old-agent');
    expect(body.data).toMatchObject({
      model: inv.name,
      architecture: null,
      compute_capability: null,
      pcie_generation: null,
      pcie_link_width: null,
      pcie_generation_current: null,
      pcie_link_width_current: null,
      ecc_enabled: null,
      persistence_mode_enabled: null,
    });
  });
});

describe('monitor API: GPUs of a DCGM-only node', () => {
  let api: ApiHub;
  let discovered: Extract<Awaited<ReturnType<typeof discoverGpus>>, { ok: true }>['gpus'];
  const saved = { ...process.env };

  beforeAll(async () => {
    // What the DCGM collector publishes at start: `dcgmi discovery -l` (the fake prints the H200 capture's GPU) as `dcgm.gpus`, no `gpus`.
    process.env.FAKE_DCGMI_CSV = 'h200-590.48.01-idle-query-gpu-all';
    try {
      const found = await discoverGpus(join(REPO, 'test/fakes/dcgmi'));
      if (!found.ok) throw new Error(found.reason);
      discovered = found.gpus;
    } finally {
      process.env = { ...saved };
    }
    api = await startApiHub();
    const node = await api.addNode('dcgm-node', 'lab');
    await api.publishInventory(node, { dcgm: { gpus: discovered } });
    await api.publishStatus(node, { agentVersion: '1.0.0', sources: { dcgm: { enabled: true, reason: 'fake', lastSampleTs: null, errors: 0 } } });
    const now = Date.now();
    await api.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: String(discovered[0]!.id), uuid: discovered[0]!.uuid! }, value: 118.5, ts: now }], now);
  });
  afterAll(async () => api?.close());

  it('lists the GPUs DCGM discovered with their model names', async () => {
    expect(discovered.length).toBeGreaterThan(0);
    expect(discovered[0]!.name).toBe('NVIDIA H200');
    const body = await api.json('/api/v1/accelerators/gpus?node=dcgm-node');
    expect(body.metadata.data_source).toBe('dcgm');
    expect(body.data.map((g: { gpu_id: string; uuid: string; model: string | null }) => [g.gpu_id, g.uuid, g.model])).toEqual(
      discovered.map((g) => [`nvidia${g.id}`, g.uuid, g.name]),
    );
    expect(body.data[0]).toMatchObject({ power_watts: 118.5, status: 'idle', driver_version: null });
  });

  it('shows the bus id DCGM reported in the detail, and null for what DCGM discovery does not give', async () => {
    const body = await api.json(`/api/v1/accelerators/gpus/${discovered[0]!.uuid}`);
    expect(body.data).toMatchObject({ model: discovered[0]!.name, pci_bus_id: discovered[0]!.pciBusId, serial: null, vbios_version: null, mig_devices: [] });
    expect(discovered[0]!.pciBusId).toMatch(/^[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-7]$/i);
  });
});
