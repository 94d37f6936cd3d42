import { parseBytes } from '../../../shared/units.js';
import type { Sample } from '../types.js';
import type { DmonColumn, DmonRow } from './parse-dmon.js';

/**
 * `nvidia-smi dmon -s t` columns and their metrics. NVIDIA's nvidia-smi(1)
 * (DEVICE MONITORING, `-s`): "t - PCIe Rx and Tx Throughput in MB/s (Maxwell
 * and above)"; rx is host to GPU, tx GPU to host. Neither the man page nor
 * the NVML call behind it (nvmlDeviceGetPcieThroughput: "throughput in KB/s",
 * a byte counter over a 20 ms window) says whether that MB is 10^6 or 2^20
 * bytes: undocumented. The header's unit is converted as the project defines
 * it (shared/units.ts: MB = 10^6 bytes, MiB = 2^20), so `MB/s` becomes
 * 10^6 bytes/s, matching DCGM's DCGM_FI_PROF_PCIE_*_BYTES (bytes/s, scale 1).
 */
const PCIE_COLUMNS = [
  { column: 'rxpci', metric: 'gpu_pcie_rx_bytes_per_second' },
  { column: 'txpci', metric: 'gpu_pcie_tx_bytes_per_second' },
] as const;

/** True when a dmon header has both PCIe throughput columns and the GPU index column. */
export function hasPcieColumns(columns: readonly DmonColumn[]): boolean {
  const names = new Set(columns.map((c) => c.name));
  return names.has('gpu') && PCIE_COLUMNS.every((p) => names.has(p.column));
}

/** `MB/s` -> bytes per second per unit (10^6); null for a unit that is not bytes per second. */
function bytesPerSecondFactor(unit: string): number | null {
  const m = /^([kmgt]?i?b)\/s$/i.exec(unit);
  return m ? parseBytes('1', m[1]) : null;
}

/**
 * The PCIe samples of one dmon row, labelled with the GPU's UUID (dmon prints
 * only the index); a GPU whose UUID is not known yet, or an absent (`-`)
 * reading, gives no sample.
 */
export function pcieSamples(row: DmonRow, columns: readonly DmonColumn[], uuidOf: (gpu: string) => string | undefined, ts: number): Sample[] {
  const gpu = row.gpu;
  const uuid = gpu === undefined ? undefined : uuidOf(gpu);
  if (gpu === undefined || uuid === undefined) return [];
  const out: Sample[] = [];
  for (const p of PCIE_COLUMNS) {
    const raw = row[p.column];
    const factor = bytesPerSecondFactor(columns.find((c) => c.name === p.column)?.unit ?? '');
    const value = Number(raw);
    if (raw === undefined || factor === null || !Number.isFinite(value)) continue;
    out.push({ metric: p.metric, labels: { gpu, uuid }, value: value * factor, ts });
  }
  return out;
}
