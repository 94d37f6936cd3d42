import type { Labels, Sample } from '../../../shared/schema/message.js';
import { EnergyAccumulator, IDLE_PID, splitGpuPower } from './attribution.js';
import type { Workload } from './cgroup.js';
import type { ComputeApp } from './parse-compute-apps.js';
import { resolvePod, workloadLabels, type PodResolver } from './pod-resolver.js';

/** A GPU's current board power, from the gpu collector's `gpu_power_watts` series. */
export interface GpuPower {
  gpu: string;
  uuid: string;
  watts: number;
}

export interface ProcessView {
  ts: number;
  apps: readonly ComputeApp[];
  power: readonly GpuPower[];
  /** Whether pmon's SM% means something on this GPU right now. */
  smMeasurable(gpu: GpuPower): boolean;
  /** SM% of a process from the latest pmon interval; null for `-` or no reading. */
  smPercent(gpuIndex: string, pid: number): number | null;
  workload(pid: number): Workload;
  pods?: PodResolver;
}

const NO_WORKLOAD: Workload = { containerId: '', podUid: '', runtime: 'none' };

/** One process on one GPU; a process listed twice on a GPU (two MIG instances) is summed. */
function mergeApps(apps: readonly ComputeApp[]): ComputeApp[] {
  const byKey = new Map<string, ComputeApp>();
  for (const a of apps) {
    const key = `${a.gpuUuid}\0${a.pid}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { ...a });
    else if (a.usedMemoryBytes !== null) prev.usedMemoryBytes = (prev.usedMemoryBytes ?? 0) + a.usedMemoryBytes;
  }
  return [...byKey.values()];
}

/**
 * gpu_process_memory_used_bytes per process, and per GPU with a power
 * reading gpu_process_utilization_percent (pmon's SM%, where the GPU
 * measures it) for every process, gpu_process_power_watts and
 * gpu_process_energy_joules for every process plus the "idle" remainder.
 */
export function processSamples(view: ProcessView, energy: EnergyAccumulator): Sample[] {
  const { ts } = view;
  const apps = mergeApps(view.apps);
  const indexOf = new Map(view.power.map((p) => [p.uuid, p.gpu]));
  const labels = (uuid: string, pid: string, w: Workload): Labels => ({
    gpu: indexOf.get(uuid) ?? '',
    uuid,
    pid,
    ...workloadLabels(resolvePod(w, view.pods)),
  });
  const out: Sample[] = [];
  for (const a of apps) {
    if (a.usedMemoryBytes === null) continue;
    out.push({ metric: 'gpu_process_memory_used_bytes', labels: labels(a.gpuUuid, String(a.pid), view.workload(a.pid)), value: a.usedMemoryBytes, ts });
  }
  for (const gpu of view.power) {
    const onGpu = apps.filter((a) => a.gpuUuid === gpu.uuid);
    const loads = onGpu.map((a) => ({ pid: String(a.pid), smPercent: view.smPercent(gpu.gpu, a.pid), memoryBytes: a.usedMemoryBytes }));
    const measurable = view.smMeasurable(gpu);
    // pmon's SM% per process where it means something: `-` on such a GPU is no kernel in the interval (0 %); on MIG there is no reading, so no series.
    if (measurable) {
      for (const l of loads) {
        const value = Math.min(100, Math.max(0, l.smPercent ?? 0));
        out.push({ metric: 'gpu_process_utilization_percent', labels: labels(gpu.uuid, l.pid, view.workload(Number(l.pid))), value, ts });
      }
    }
    const { shares } = splitGpuPower(gpu.watts, loads, measurable);
    // The series key is the label set itself, so a process that left can still be labelled from its key.
    const split = new Map<string, number>();
    for (const s of shares) {
      const l = labels(gpu.uuid, s.pid, s.pid === IDLE_PID ? NO_WORKLOAD : view.workload(Number(s.pid)));
      split.set(JSON.stringify(l), s.watts);
      out.push({ metric: 'gpu_process_power_watts', labels: l, value: s.watts, ts });
    }
    for (const [key, joules] of energy.step(gpu.uuid, ts, gpu.watts, split)) {
      out.push({ metric: 'gpu_process_energy_joules', labels: JSON.parse(key) as Labels, value: joules, ts });
    }
  }
  return out;
}
