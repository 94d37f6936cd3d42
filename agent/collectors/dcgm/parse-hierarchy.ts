/**
 * Pure parser for `dcgmi discovery -c` (DCGM 4.x, `FormatMigHierarchy` in
 * `dcgmi/Query.cpp`): the MIG GPU and compute instances the host engine
 * sees, one tree row each, topologically sorted:
 *   +-------------------+--------------------------------------------------------------------+
 *   | Instance Hierarchy                                                                     |
 *   +===================+====================================================================+
 *   | GPU 0             | GPU GPU-00000000-0000-0000-0000-000000000000 (EntityID: 0)         |
 *   | -> I 0/2          | GPU Instance (EntityID: 3)                                         |
 *   |    -> CI 0/2/0    | Compute Instance (EntityID: 3)                                     |
 * `GPU <n>` and `I <n>/<gi>` hold NVML's GPU index and GPU instance id (the
 * `GPU Instance ID` of nvidia-smi, dcgm-exporter's `GPU_I_ID`); EntityID is
 * DCGM's own number, the one `dcgmi dmon` prints in its `GPU-I <id>` rows.
 * Compute instances are skipped: dcgm-exporter labels per GPU instance only.
 */
export interface DcgmGpuInstance {
  /** DCGM entity id of the GPU instance (`GPU-I <entityId>` in dmon). */
  entityId: number;
  /** DCGM entity id of its GPU (`GPU <gpu>` in dmon, the `gpu` label). */
  gpu: number;
  gpuUuid: string;
  /** NVML GPU instance id (`GPU_I_ID`). */
  gpuInstanceId: number;
}

/** The GPU instances in a `dcgmi discovery -c` tree (none on a host without MIG). */
export function parseHierarchy(text: string): DcgmGpuInstance[] {
  const out: DcgmGpuInstance[] = [];
  let gpu: { entityId: number; uuid: string } | undefined;
  for (const line of text.split(/\r?\n/)) {
    const row = /^\|\s*(.*?)\s*\|\s*(.*?)\s*\|$/.exec(line.trimEnd());
    if (!row) continue;
    const [, key, value] = row as unknown as [string, string, string];
    const gpuRow = /^GPU \d+$/.test(key) ? /^GPU (\S+) \(EntityID: (\d+)\)$/.exec(value) : null;
    if (gpuRow) {
      gpu = { uuid: gpuRow[1]!, entityId: Number(gpuRow[2]) };
      continue;
    }
    const gi = /^-> I \d+\/(\d+)$/.exec(key);
    const giEntity = gi && /^GPU Instance \(EntityID: (\d+)\)$/.exec(value);
    if (gi && giEntity && gpu) out.push({ entityId: Number(giEntity[1]), gpu: gpu.entityId, gpuUuid: gpu.uuid, gpuInstanceId: Number(gi[1]) });
  }
  return out;
}
