import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../agent/collectors/gpu/parse-xml.js';
import { findGpu, gpuStatus, inventoryGpus, listGpus, type GpuReadings } from '../../../hub/fleet/gpus.js';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import type { NodeView } from '../../../hub/fleet/node-directory.js';
import { SHARED } from '../../helpers/spawn-agent.js';

const xml = (name: string) => parseNvidiaSmiXml(readFileSync(join(SHARED, 'fixtures/nvidia-smi-xml', name), 'utf8'));

const node = (name: string, inventory: Record<string, unknown>, state: NodeView['state'] = 'online'): NodeView => ({
  id: 1,
  name,
  cluster: 'lab',
  state,
  stateTs: 0,
  lastSeen: 0,
  agentVersion: null,
  sources: {},
  inventory,
  inventoryTs: 0,
});

const NOW = 1_800_000_000_000;
const SINCE = NOW - 60_000;

describe('listGpus', () => {
  // A real A100 SXM4 80GB with MIG enabled (telegraf's fixture), parsed by the agent's own parser.
  const a100 = xml('telegraf-a100-sxm4-v12.xml').gpus.map((g) => g.inventory);
  const uuid = a100[0]!.uuid;

  it('joins the inventory with the newest fresh samples and leaves stale ones null', () => {
    const latest = new LatestValues();
    const labels = { node: 'a', cluster: 'lab', gpu: '0', uuid };
    latest.update([
      { metric: 'gpu_power_watts', labels, ts: NOW - 1000, value: 212.5 },
      { metric: 'gpu_memory_used_bytes', labels, ts: NOW - 1000, value: 1024 * 1024 * 300 },
      { metric: 'gpu_utilization_percent', labels, ts: NOW - 1000, value: 0 },
      // Older than the freshness window: must not show up as current.
      { metric: 'gpu_temperature_celsius', labels, ts: SINCE - 1, value: 40 },
    ]);
    const [g] = listGpus([node('a', { gpus: a100 })], latest, SINCE);
    expect(g).toMatchObject({ gpuId: 'nvidia0', uuid, node: 'a', cluster: 'lab', status: 'idle', processCount: 0 });
    // The agent's inventory as parsed, new facts included (`<product_architecture>Ampere`, `<max_link_gen>4`).
    expect(g!.inventory).toEqual(a100[0]);
    expect(g!.inventory).toMatchObject({ name: 'NVIDIA A100-SXM4-80GB', architecture: 'Ampere', pcieGeneration: { max: 4, current: 4 }, eccEnabled: true });
    expect(g!.inventory?.migDevices.length).toBeGreaterThan(0);
    expect(g!.readings).toMatchObject({ powerWatts: 212.5, memoryUsedBytes: 1024 * 1024 * 300, utilizationPercent: 0, temperatureCelsius: null, ts: NOW - 1000 });
  });

  it('lists a GPU known only from samples, and one that stopped reporting as error', () => {
    const latest = new LatestValues();
    latest.update([
      { metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'lab', gpu: '3', uuid: 'GPU-only-samples' }, ts: NOW, value: 70 },
      { metric: 'gpu_power_watts', labels: { node: 'a', cluster: 'lab', gpu: '0', uuid }, ts: SINCE - 5000, value: 80 },
    ]);
    const gpus = listGpus([node('a', { gpus: a100 })], latest, SINCE);
    expect(gpus.map((g) => [g.gpuId, g.status, g.inventory === null])).toEqual([
      ['nvidia0', 'error', false],
      ['nvidia3', 'idle', true],
    ]);
  });

  it('counts fresh process samples, which make a GPU active', () => {
    const latest = new LatestValues();
    const labels = { node: 'a', cluster: 'lab', gpu: '0', uuid };
    latest.update([
      { metric: 'gpu_utilization_percent', labels, ts: NOW, value: 0 },
      { metric: 'gpu_process_memory_used_bytes', labels: { ...labels, pid: '11', pod_uid: 'p' }, ts: NOW, value: 1 },
      { metric: 'gpu_process_memory_used_bytes', labels: { ...labels, pid: '12', pod_uid: 'p' }, ts: NOW, value: 1 },
      { metric: 'gpu_process_memory_used_bytes', labels: { ...labels, pid: '13', pod_uid: 'p' }, ts: SINCE - 1, value: 1 },
    ]);
    const [g] = listGpus([node('a', { gpus: a100 })], latest, SINCE);
    expect(g).toMatchObject({ processCount: 2, status: 'active' });
  });
});

describe('inventoryGpus', () => {
  // What the DCGM collector publishes (`dcgm.gpus` from dcgmi discovery -l): id, name, bus id, uuid.
  const dcgmGpus = [
    { id: 0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', uuid: 'GPU-dcgm-0' },
    { id: 1, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:0A:00.0', uuid: 'GPU-dcgm-1' },
  ];

  it('lists the GPUs of a DCGM-only inventory with their names and bus ids, other facts null', () => {
    const gpus = inventoryGpus(node('d', { dcgm: { gpus: dcgmGpus } }));
    expect(gpus.map((g) => [g.index, g.uuid, g.name, g.pciBusId])).toEqual(dcgmGpus.map((g) => [g.id, g.uuid, g.name, g.pciBusId]));
    expect(gpus[0]).toMatchObject({ driverVersion: null, memoryTotalBytes: null, migMode: null, migDevices: [], processes: [], pcieGeneration: { max: null, current: null } });
  });

  it('keeps nvidia-smi\'s richer facts for a GPU both collectors list, and adds the ones only DCGM saw', () => {
    const a100 = xml('telegraf-a100-sxm4-v12.xml').gpus.map((g) => g.inventory);
    const both = [{ id: 0, name: 'DCGM name', pciBusId: null, uuid: a100[0]!.uuid }, dcgmGpus[1]!];
    const gpus = inventoryGpus(node('m', { gpus: a100, dcgm: { gpus: both } }));
    expect(gpus.map((g) => g.uuid)).toEqual([a100[0]!.uuid, 'GPU-dcgm-1']);
    expect(gpus[0]).toEqual(a100[0]);
  });

  it('skips DCGM entries it cannot trust instead of failing', () => {
    const hostile = [null, 'GPU-x', { id: -1, uuid: 'GPU-neg' }, { id: 1.5, uuid: 'GPU-frac' }, { id: 2, uuid: '' }, { id: '3', uuid: 'GPU-str' }, { id: 4, uuid: 'GPU-ok', name: 7, pciBusId: '' }];
    expect(inventoryGpus(node('h', { dcgm: { gpus: hostile } }))).toMatchObject([{ index: 4, uuid: 'GPU-ok', name: null, pciBusId: null }]);
    expect(inventoryGpus(node('h', { dcgm: { gpus: 'nope' } }))).toEqual([]);
    expect(inventoryGpus(node('h', { dcgm: null }))).toEqual([]);
  });

  it('lets listGpus name a DCGM-only node\'s GPUs and join their samples', () => {
    const latest = new LatestValues();
    latest.update([{ metric: 'gpu_power_watts', labels: { node: 'd', cluster: 'lab', gpu: '1', uuid: 'GPU-dcgm-1' }, ts: NOW, value: 310 }]);
    const gpus = listGpus([node('d', { dcgm: { gpus: dcgmGpus } })], latest, SINCE);
    expect(gpus.map((g) => [g.gpuId, g.inventory?.name, g.readings.powerWatts, g.status])).toEqual([
      ['nvidia0', 'NVIDIA H100 80GB HBM3', null, 'error'],
      ['nvidia1', 'NVIDIA H100 80GB HBM3', 310, 'idle'],
    ]);
  });
});

describe('gpuStatus', () => {
  const r = (over: Partial<GpuReadings>): GpuReadings => ({
    powerWatts: null,
    powerLimitWatts: null,
    temperatureCelsius: null,
    memoryTemperatureCelsius: null,
    utilizationPercent: null,
    memoryUtilizationPercent: null,
    memoryUsedBytes: null,
    memoryTotalBytes: null,
    smClockMhz: null,
    memoryClockMhz: null,
    pcieRxBytesPerSecond: null,
    pcieTxBytesPerSecond: null,
    fanSpeedPercent: null,
    eccUncorrectedErrors: null,
    ts: NOW,
    ...over,
  });
  it.each([
    ['online, busy', 'online', r({ utilizationPercent: 85 }), 0, 'active'],
    ['online, processes, 0 %', 'online', r({ utilizationPercent: 0 }), 1, 'active'],
    ['online, nothing running', 'online', r({ utilizationPercent: 0 }), 0, 'idle'],
    ['uncorrected ECC errors', 'online', r({ utilizationPercent: 90, eccUncorrectedErrors: 2 }), 1, 'error'],
    ['no fresh sample', 'online', r({ ts: null }), 0, 'error'],
    ['node offline', 'offline', r({ utilizationPercent: 90 }), 1, 'error'],
  ] as const)('%s -> %s', (_what, state, readings, procs, want) => {
    expect(gpuStatus(state, readings, procs)).toBe(want);
  });
});

describe('findGpu', () => {
  const latest = new LatestValues();
  const gpus = listGpus(
    [node('a', { gpus: [{ index: 0, uuid: 'GPU-a0' }, { index: 1, uuid: 'GPU-a1' }] }), node('b', { gpus: [{ index: 0, uuid: 'GPU-b0' }] })],
    latest,
    SINCE,
  );
  it('resolves nvidia<N> on one node, by node, or by UUID; reports ambiguity and absence', () => {
    expect(findGpu(gpus, 'nvidia1')).toMatchObject({ kind: 'found', gpu: { node: 'a', uuid: 'GPU-a1' } });
    const amb = findGpu(gpus, 'nvidia0');
    expect(amb.kind).toBe('ambiguous');
    expect(amb.kind === 'ambiguous' && amb.candidates.map((g) => g.node)).toEqual(['a', 'b']);
    expect(findGpu(gpus, 'nvidia0', 'b')).toMatchObject({ kind: 'found', gpu: { uuid: 'GPU-b0' } });
    expect(findGpu(gpus, 'gpu-b0')).toMatchObject({ kind: 'found', gpu: { node: 'b' } });
    expect(findGpu(gpus, 'nvidia7')).toEqual({ kind: 'none' });
    expect(findGpu(gpus, 'nvidia1', 'b')).toEqual({ kind: 'none' });
  });
});
