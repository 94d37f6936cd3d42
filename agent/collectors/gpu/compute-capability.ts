import { textValue, type GpuReport } from './inventory.js';
import { splitRow } from './parse-csv.js';

/**
 * The compute capability is the one inventory fact `-q` / `-q -x` never print
 * (drivers 418 to 610); `--query-gpu` has it as `compute_cap` (its help: "The
 * CUDA Compute Capability, represented as Major DOT Minor"). Drivers without
 * the field refuse the query, and the GPUs keep null.
 */
export const COMPUTE_CAP_ARGS = ['--query-gpu=uuid,compute_cap', '--format=csv,noheader'] as const;

/**
 * UUID -> compute capability from the COMPUTE_CAP_ARGS output; a real row
 * (H100, 590.48.01): `GPU-00000000-0000-0000-0000-000000000000, 9.0`.
 * Lines that are not two cells (a driver notice) are skipped.
 */
export function parseComputeCaps(csv: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of csv.split(/\r?\n/)) {
    const cells = splitRow(line);
    const cap = cells.length === 2 ? textValue(cells[1]) : null;
    if (cells[0] && cap !== null) out.set(cells[0], cap);
  }
  return out;
}

/** Adds each GPU's compute capability, matched by UUID (not by index: the two reads are separate commands). */
export function withComputeCapability(gpus: readonly GpuReport[], caps: ReadonlyMap<string, string>): GpuReport[] {
  return gpus.map((g) => {
    const cap = caps.get(g.inventory.uuid);
    return cap === undefined ? g : { ...g, inventory: { ...g.inventory, computeCapability: cap } };
  });
}
