/** What dcgm-exporter labels a GPU's series with, besides its index and UUID. */
export interface GpuInfo {
  modelName: string;
  pciBusId: string;
  driverVersion: string;
}

type Listed = { uuid?: unknown; name?: unknown; pciBusId?: unknown; driverVersion?: unknown };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function listed(v: unknown): Listed[] {
  return Array.isArray(v) ? (v.filter((g) => typeof g === 'object' && g !== null) as Listed[]) : [];
}

/**
 * GPU UUID -> model, PCI bus id and driver version, from a node's inventory:
 * the nvidia-smi collector's `gpus` (`-q` / `-q -x`), else the DCGM
 * collector's `dcgm.gpus` (`dcgmi discovery -l`: name and bus id, no driver
 * version). Absent facts are empty strings, as dcgm-exporter prints them.
 */
export function gpuInfoOf(inventory: Record<string, unknown>): Map<string, GpuInfo> {
  const out = new Map<string, GpuInfo>();
  const dcgm = inventory.dcgm;
  const fromDcgm = typeof dcgm === 'object' && dcgm !== null ? listed((dcgm as { gpus?: unknown }).gpus) : [];
  for (const g of [...listed(inventory.gpus), ...fromDcgm]) {
    const uuid = str(g.uuid);
    if (uuid === '' || out.has(uuid)) continue;
    out.set(uuid, { modelName: str(g.name), pciBusId: str(g.pciBusId), driverVersion: str(g.driverVersion) });
  }
  return out;
}
