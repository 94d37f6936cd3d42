import type { Sample } from '../types.js';
import type { GpuReport } from './inventory.js';
import type { ListedGpu } from './parse-list.js';

/**
 * Adds what only `nvidia-smi -L` knows (MIG profile names and MIG UUIDs) to
 * the MIG devices of a `-q` / `-q -x` report, matched by GPU UUID and MIG
 * device index.
 */
export function withMigProfiles(gpus: readonly GpuReport[], listed: readonly ListedGpu[]): GpuReport[] {
  const byUuid = new Map(listed.map((g) => [g.uuid, g]));
  return gpus.map((g) => {
    const mig = byUuid.get(g.inventory.uuid)?.mig;
    if (!mig || g.inventory.migDevices.length === 0) return g;
    const migDevices = g.inventory.migDevices.map((d) => {
      const l = mig.find((m) => m.device === d.index);
      return l ? { ...d, profile: l.profile, uuid: l.uuid } : d;
    });
    return { ...g, inventory: { ...g.inventory, migDevices } };
  });
}

/** Per-MIG-instance memory samples (`--query-gpu` has one row per physical GPU, so these come from the inventory read). */
export function migSamples(gpus: readonly GpuReport[], ts: number): Sample[] {
  const out: Sample[] = [];
  for (const { inventory: g } of gpus) {
    for (const d of g.migDevices) {
      // As dcgm-exporter's GPU_I_ID / GPU_I_PROFILE: two compute instances of one GPU
      // instance (H200 `1c.3g.71gb` and `2c.3g.71gb`, both GI 2) share its memory.
      const labels: Record<string, string> = { gpu: String(g.index), uuid: g.uuid };
      if (d.gpuInstanceId !== null) labels.gpu_i = String(d.gpuInstanceId);
      if (d.profile) labels.profile = d.profile;
      if (d.memoryUsedBytes !== null) out.push({ metric: 'gpu_mig_memory_used_bytes', labels, value: d.memoryUsedBytes, ts });
      if (d.memoryTotalBytes !== null) out.push({ metric: 'gpu_mig_memory_total_bytes', labels, value: d.memoryTotalBytes, ts });
    }
  }
  return out;
}

/**
 * Marks MIG-enabled GPUs whose utilisation nvidia-smi cannot read
 * (`[N/A]` for the whole GPU once MIG is on) with
 * `utilization: 'not_supported_in_mig'`, so dashboards and the API can say
 * why DCGM_FI_DEV_GPU_UTIL is absent; DCGM's profiling fields are the only
 * per-instance measure.
 */
export function withMigUtilization(gpus: readonly GpuReport[]): GpuReport[] {
  return gpus.map((g) =>
    g.inventory.migMode?.toLowerCase() === 'enabled' && g.readings.utilizationPercent === null ? { ...g, inventory: { ...g.inventory, utilization: 'not_supported_in_mig' as const } } : g,
  );
}
