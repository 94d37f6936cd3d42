/**
 * Pure parser for `nvidia-smi -L`, the only output that names MIG profiles.
 * Real lines (H100 with MIG, 590.48.01):
 *
 *   GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)
 *     MIG 3g.40gb     Device  0: (UUID: MIG-00000000-0000-0000-0000-000000000000)
 */

export interface ListedMig {
  /** MIG device index within its GPU, as in `-q`'s `MIG Device / Index`. */
  device: number;
  profile: string;
  uuid: string;
}

export interface ListedGpu {
  index: number;
  name: string;
  uuid: string;
  mig: ListedMig[];
}

const GPU_LINE = /^GPU (\d+): (.*) \(UUID: (\S+)\)\s*$/;
const MIG_LINE = /^\s+MIG (\S+)\s+Device\s+(\d+): \(UUID: (\S+)\)\s*$/;

/** Parses `nvidia-smi -L` into GPUs and their MIG devices; other lines are ignored. */
export function parseGpuList(text: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const line of text.split(/\r?\n/)) {
    const g = GPU_LINE.exec(line);
    if (g) {
      gpus.push({ index: Number(g[1]), name: g[2]!, uuid: g[3]!, mig: [] });
      continue;
    }
    const m = MIG_LINE.exec(line);
    const parent = gpus[gpus.length - 1];
    if (m && parent) parent.mig.push({ device: Number(m[2]), profile: m[1]!, uuid: m[3]! });
  }
  return gpus;
}
