import type { Sample } from '../types.js';
import type { GpuReport } from './inventory.js';

/**
 * PCIe replay counters from the inventory read (`-q` / `-q -x`): no
 * `--query-gpu` field has them. A GPU whose driver prints N/A gets no sample.
 */
export function pcieReplaySamples(gpus: readonly GpuReport[], ts: number): Sample[] {
  return gpus.flatMap(({ inventory: g, readings: r }) =>
    r.pcieReplays === null ? [] : [{ metric: 'gpu_pcie_replay_total', labels: { gpu: String(g.index), uuid: g.uuid }, value: r.pcieReplays, ts }],
  );
}
