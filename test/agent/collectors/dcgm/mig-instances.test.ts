import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DMON_FIELDS, PER_INSTANCE_FIELDS, PROFILING_DMON_FIELDS, fieldById } from '../../../../agent/collectors/dcgm/fields.js';
import { DmonParser, type DmonRow } from '../../../../agent/collectors/dcgm/parse-dmon.js';
import { parseHierarchy } from '../../../../agent/collectors/dcgm/parse-hierarchy.js';
import { parseInstanceProfiles } from '../../../../agent/collectors/dcgm/parse-instance-profiles.js';
import { rowsToSamples, type InstanceLabels } from '../../../../agent/collectors/dcgm/samples.js';

// Constructed from DCGM's source (test/fixtures/dcgmi/README.md), not captured: the MIG H100 of the shared
// fixtures, GPU instances 2 (3g.40gb), 3 (2g.20gb), 9 and 10 (1g.10gb) under DCGM entity ids 3, 2, 0, 1.
const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/dcgmi');
const read = (f: string) => readFileSync(resolve(FIXTURES, f), 'utf8');
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';
const FIELDS = [...DEFAULT_DMON_FIELDS, ...PROFILING_DMON_FIELDS];
const TS = 1_750_000_000_000;

function rows(text: string): DmonRow[] {
  const p = new DmonParser();
  return text.split('\n').flatMap((l) => {
    const r = p.line(l);
    return r.kind === 'row' ? [r.row] : [];
  });
}

function instancesOfFixtures(): Map<number, InstanceLabels> {
  const profiles = parseInstanceProfiles(read('h100-mig-dmon-names.txt'));
  return new Map(parseHierarchy(read('h100-mig-discovery-c.txt')).map((i) => [i.entityId, { gpu: i.gpu, gpuUuid: i.gpuUuid, gpuInstanceId: i.gpuInstanceId, profile: profiles.get(i.entityId) }]));
}

describe('dcgmi discovery -c (MIG hierarchy)', () => {
  it('maps each GPU instance entity id to its GPU and NVML GPU instance id, compute instances skipped', () => {
    expect(parseHierarchy(read('h100-mig-discovery-c.txt'))).toEqual([
      { entityId: 3, gpu: 0, gpuUuid: UUID, gpuInstanceId: 2 },
      { entityId: 2, gpu: 0, gpuUuid: UUID, gpuInstanceId: 3 },
      { entityId: 0, gpu: 0, gpuUuid: UUID, gpuInstanceId: 9 },
      { entityId: 1, gpu: 0, gpuUuid: UUID, gpuInstanceId: 10 },
    ]);
  });

  it('finds no instance in the tree of a host without MIG, nor in error text', () => {
    const rule = `+${'-'.repeat(19)}+${'-'.repeat(68)}+`;
    expect(parseHierarchy([rule, `| ${'Instance Hierarchy'.padEnd(87)}|`, `+${'='.repeat(19)}+${'='.repeat(68)}+`, rule].join('\n'))).toEqual([]);
    expect(parseHierarchy('Error: Cannot get hierarchy information from the hostengine. Return: Host engine is not valid\n')).toEqual([]);
  });

  it('keeps instances of several GPUs apart (DCGM test layout, entity ids unlike the GPU instance ids)', () => {
    const text = [
      '| GPU 0             | GPU GPU-f04cff15-f427-9612-3f5e-60a6e0cd2018 (EntityID: 0)         |',
      '| -> I 0/1          | GPU Instance (EntityID: 100)                                       |',
      '|    -> CI 0/1/0    | Compute Instance (EntityID: 100)                                   |',
      '+-------------------+--------------------------------------------------------------------+',
      '| GPU 1             | GPU GPU-1a7b269f-8591-c6a5-a274-6f4f1ad9f6b3 (EntityID: 10)        |',
      '| -> I 1/0          | GPU Instance (EntityID: 10)                                        |',
    ].join('\n');
    expect(parseHierarchy(text)).toEqual([
      { entityId: 100, gpu: 0, gpuUuid: 'GPU-f04cff15-f427-9612-3f5e-60a6e0cd2018', gpuInstanceId: 1 },
      { entityId: 10, gpu: 10, gpuUuid: 'GPU-1a7b269f-8591-c6a5-a274-6f4f1ad9f6b3', gpuInstanceId: 0 },
    ]);
  });
});

describe('dcgmi dmon -e 50 on GPU instances (profile names)', () => {
  it('reads each instance entity id with its profile name', () => {
    expect(parseInstanceProfiles(read('h100-mig-dmon-names.txt'))).toEqual(
      new Map([
        [3, '3g.40gb'],
        [2, '2g.20gb'],
        [0, '1g.10gb'],
        [1, '1g.10gb'],
      ]),
    );
  });

  it("leaves out DCGM's blank and error strings and non-instance rows", () => {
    const text = ['#Entity         DVNAM                       ', 'ID                                          ', 'GPU-I 3         <<<NULL>>>                  ', 'GPU-I 4         N/A                         ', 'GPU 0           NVIDIA H100 80GB HBM3       '].join('\n');
    expect(parseInstanceProfiles(text)).toEqual(new Map());
  });
});

describe('per-instance profiling samples from a dmon iteration', () => {
  it('gives the GPU all its fields, each instance only the fields DCGM measures per instance, labelled as dcgm-exporter', () => {
    const samples = rowsToSamples(rows(read('h100-mig-dmon-profiling.txt')), FIELDS, new Map([[0, UUID]]), TS, instancesOfFixtures());
    const perInstance = samples.filter((s) => s.labels?.gpu_i !== undefined);
    const gi = (id: string, profile: string) => ({ gpu: '0', uuid: UUID, gpu_i: id, profile });
    expect(perInstance).toEqual([
      { metric: 'gpu_graphics_engine_active_ratio', labels: gi('2', '3g.40gb'), value: 0.987, ts: TS },
      { metric: 'gpu_sm_active_ratio', labels: gi('2', '3g.40gb'), value: 0.879, ts: TS },
      { metric: 'gpu_sm_occupancy_ratio', labels: gi('2', '3g.40gb'), value: 0.421, ts: TS },
      { metric: 'gpu_tensor_active_ratio', labels: gi('2', '3g.40gb'), value: 0, ts: TS },
      { metric: 'gpu_dram_active_ratio', labels: gi('2', '3g.40gb'), value: 0.968, ts: TS },
      // An idle instance reads 0.000: kept, a real reading.
      { metric: 'gpu_graphics_engine_active_ratio', labels: gi('3', '2g.20gb'), value: 0, ts: TS },
      { metric: 'gpu_sm_active_ratio', labels: gi('3', '2g.20gb'), value: 0, ts: TS },
      { metric: 'gpu_sm_occupancy_ratio', labels: gi('3', '2g.20gb'), value: 0, ts: TS },
      { metric: 'gpu_tensor_active_ratio', labels: gi('3', '2g.20gb'), value: 0, ts: TS },
      { metric: 'gpu_dram_active_ratio', labels: gi('3', '2g.20gb'), value: 0, ts: TS },
      // N/A (TENSO of instance 9, every field of instance 10): left out, never 0.
      { metric: 'gpu_graphics_engine_active_ratio', labels: gi('9', '1g.10gb'), value: 0, ts: TS },
      { metric: 'gpu_sm_active_ratio', labels: gi('9', '1g.10gb'), value: 0, ts: TS },
      { metric: 'gpu_sm_occupancy_ratio', labels: gi('9', '1g.10gb'), value: 0, ts: TS },
      { metric: 'gpu_dram_active_ratio', labels: gi('9', '1g.10gb'), value: 0, ts: TS },
    ]);
    // The GPU row: its whole-GPU series, the same power and PCIe once (an instance row repeats its GPU's GPU-level values).
    const whole = samples.filter((s) => s.labels?.gpu_i === undefined);
    expect(whole.every((s) => JSON.stringify(s.labels) === JSON.stringify({ gpu: '0', uuid: UUID }))).toBe(true);
    expect(whole.filter((s) => s.metric === 'gpu_power_watts')).toEqual([{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: UUID }, value: 433.78, ts: TS }]);
    expect(samples.filter((s) => s.metric === 'gpu_pcie_tx_bytes_per_second')).toHaveLength(1);
    expect(whole.find((s) => s.metric === 'gpu_graphics_engine_active_ratio')?.value).toBe(0.423);
    // nvidia-smi's [N/A] utilisation on the MIG GPU: DCGM's N/A, no series.
    expect(whole.find((s) => s.metric === 'gpu_utilization_percent')).toBeUndefined();
  });

  it('only the five activity ratios are per instance (dcgm_fields.cpp entityLevel GPU_I / GPU_CI), not PCIe bytes', () => {
    expect(PER_INSTANCE_FIELDS.map((id) => fieldById(id)!.metric)).toEqual([
      'gpu_graphics_engine_active_ratio',
      'gpu_sm_active_ratio',
      'gpu_sm_occupancy_ratio',
      'gpu_tensor_active_ratio',
      'gpu_dram_active_ratio',
    ]);
  });

  it('leaves out rows of instances the hierarchy did not name, and instances without a profile get none', () => {
    const all = rows(read('h100-mig-dmon-profiling.txt'));
    expect(rowsToSamples(all, FIELDS, new Map([[0, UUID]]), TS).some((s) => s.labels?.gpu_i !== undefined)).toBe(false);
    const noName = new Map([[3, { gpu: 0, gpuUuid: UUID, gpuInstanceId: 2 }]]);
    const got = rowsToSamples(all, FIELDS, new Map([[0, UUID]]), TS, noName).filter((s) => s.labels?.gpu_i !== undefined);
    expect(got.map((s) => s.labels)).toEqual(Array(5).fill({ gpu: '0', uuid: UUID, gpu_i: '2' }));
  });
});
