import { runCommand, type CommandResult } from '../run-command.js';
import { COMPUTE_CAP_ARGS, parseComputeCaps, withComputeCapability } from './compute-capability.js';
import type { GpuReport } from './inventory.js';
import { withMigProfiles } from './mig.js';
import { parseGpuList } from './parse-list.js';

export interface InventoryRead {
  gpus: GpuReport[];
  /** Which output it came from: `-q -x`, or the `-q` text fallback. */
  format: 'xml' | 'text';
  warnings: string[];
}

// `nvidia-smi -q` on an 8-GPU host takes seconds; a hung driver must not hold a read forever.
const TIMEOUT_MS = 30_000;

function why(r: CommandResult): string {
  return (r.stderr || r.stdout || r.failure).trim().split('\n')[0] ?? '';
}

/**
 * Reads the GPU inventory with one-shot commands (argument arrays, no shell):
 * `-q -x`, or `-q` text when the driver has no XML output, plus `-L` for the
 * MIG profile names and `--query-gpu=uuid,compute_cap` for the compute
 * capability (both optional: a failure leaves those facts null). `signal` aborts the reads when the collector stops.
 */
export async function readInventory(nvidiaSmi: string, signal?: AbortSignal): Promise<InventoryRead> {
  const run = (args: string[]) => runCommand(nvidiaSmi, args, { timeoutMs: TIMEOUT_MS, signal });
  let read: InventoryRead;
  const xml = await run(['-q', '-x']);
  if (xml.exitCode === 0 && xml.stdout.includes('<nvidia_smi_log')) {
    // fast-xml-parser is loaded only when the driver prints XML (and read then, every INVENTORY_EVERY_MS, not per sample).
    const { parseNvidiaSmiXml } = await import('./parse-xml.js');
    read = { ...parseNvidiaSmiXml(xml.stdout), format: 'xml' };
  } else {
    const text = await run(['-q']);
    if (text.exitCode !== 0) throw new Error(`${nvidiaSmi} -q failed: ${why(text)} (and -q -x: ${why(xml)})`);
    const { parseNvidiaSmiQText } = await import('./parse-q-text.js');
    read = { ...parseNvidiaSmiQText(text.stdout), format: 'text' };
  }
  const list = await run(['-L']);
  const caps = await run([...COMPUTE_CAP_ARGS]);
  const gpus = withMigProfiles(read.gpus, list.exitCode === 0 ? parseGpuList(list.stdout) : []);
  return { ...read, gpus: withComputeCapability(gpus, caps.exitCode === 0 ? parseComputeCaps(caps.stdout) : new Map()) };
}
