/**
 * Pure parser for `dcgmi discovery -l` (DCGM 4.x, `dcgmi/Query.cpp`): a
 * count line, then one box row per GPU with its attributes on the
 * following lines:
 *   1 GPU found.
 *   +--------+----------------------------------------------------------------------+
 *   | GPU ID | Device Information                                                   |
 *   +--------+----------------------------------------------------------------------+
 *   | 0      | Name: NVIDIA H100 80GB HBM3                                          |
 *   |        | PCI Bus ID: 00000000:00:09.0                                         |
 *   |        | Device UUID: GPU-00000000-0000-0000-0000-000000000000                |
 * Later sections (NvSwitches, ConnectX, CPUs) have their own headers and are skipped.
 */
export interface DcgmGpu {
  id: number;
  name: string | null;
  pciBusId: string | null;
  uuid: string | null;
}

/** The GPUs DCGM sees, by DCGM GPU id. */
export function parseDiscovery(text: string): DcgmGpu[] {
  const gpus: DcgmGpu[] = [];
  let inGpus = false;
  let current: DcgmGpu | undefined;
  for (const line of text.split(/\r?\n/)) {
    const box = /^\|([^|]*)\|(.*)$/.exec(line.trimEnd());
    if (!box) continue;
    const first = box[1]!.trim();
    // A section header row (`| GPU ID | Device Information |`, `| Switch ID |`, `| CPU ID | ...`).
    if (/^[A-Za-z]/.test(first)) {
      inGpus = first === 'GPU ID';
      current = undefined;
      continue;
    }
    if (!inGpus) continue;
    if (first !== '') {
      current = { id: Number(first), name: null, pciBusId: null, uuid: null };
      gpus.push(current);
    }
    const attr = /^(Name|PCI Bus ID|Device UUID):\s*(.*?)\s*$/.exec(box[2]!.replace(/\|$/, '').trim());
    if (!current || !attr) continue;
    const value = attr[2]!.replace(/ \(last known\)$/, '');
    if (attr[1] === 'Name') current.name = value;
    else if (attr[1] === 'PCI Bus ID') current.pciBusId = value;
    else current.uuid = value;
  }
  return gpus;
}
