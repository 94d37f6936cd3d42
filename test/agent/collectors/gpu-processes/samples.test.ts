import { describe, expect, it } from 'vitest';
import { EnergyAccumulator } from '../../../../agent/collectors/gpu-processes/attribution.js';
import { processSamples, type ProcessView } from '../../../../agent/collectors/gpu-processes/samples.js';

const UUID = 'GPU-1';
const POD = 'b3c0f5a2-7d1e-4c9a-9f2e-5a6b7c8d9e0f';

/** Two processes of one pod on GPU 0 at 300 W; SM% as pmon gave it. */
function view(measurable: boolean, sm: Record<number, number | null>): ProcessView {
  return {
    ts: 1_000_000,
    apps: [
      { gpuUuid: UUID, pid: 7, processName: 'a', usedMemoryBytes: 1024 },
      { gpuUuid: UUID, pid: 8, processName: 'b', usedMemoryBytes: 2048 },
    ],
    power: [{ gpu: '0', uuid: UUID, watts: 300 }],
    smMeasurable: () => measurable,
    smPercent: (_gpu, pid) => sm[pid] ?? null,
    workload: () => ({ containerId: 'c1', podUid: POD, runtime: 'containerd' }),
  };
}

const utilisation = (v: ProcessView) =>
  processSamples(v, new EnergyAccumulator(10_000))
    .filter((s) => s.metric === 'gpu_process_utilization_percent')
    .map((s) => [s.labels!.pid, s.value, s.labels!.pod_uid]);

describe('gpu_process_utilization_percent (pmon SM% per process)', () => {
  it('one series per process with its pod_uid; `-` on a GPU that measures SM% is 0 %; a reading above 100 is capped', () => {
    expect(utilisation(view(true, { 7: 62, 8: null }))).toEqual([
      ['7', 62, POD],
      ['8', 0, POD],
    ]);
    expect(utilisation(view(true, { 7: 140, 8: 3 }))).toEqual([
      ['7', 100, POD],
      ['8', 3, POD],
    ]);
  });

  it('none where pmon cannot measure (MIG): no reading is never presented as 0 %', () => {
    expect(utilisation(view(false, { 7: null, 8: null }))).toEqual([]);
  });
});
