import { parseBytes } from '../../../shared/units.js';
import { fieldName, splitRow } from '../gpu/parse-csv.js';

/**
 * Pure parser for `nvidia-smi --query-compute-apps=...`, with or without
 * header and units. A real capture (H100, driver 590.48.01, `--format=csv`):
 *   timestamp, gpu_name, gpu_bus_id, gpu_serial, gpu_uuid, pid, process_name, used_gpu_memory [MiB]
 *   2026/07/14 08:12:53.500, NVIDIA H100 80GB HBM3, 00000000:00:09.0, 0000000000000, GPU-00000000-0000-0000-0000-000000000000, 11345, ./gpu_burn, 15690 MiB
 * On Windows (WDDM) the memory cell is `[N/A]`: that is null, never 0.
 */
export interface ComputeApp {
  pid: number;
  gpuUuid: string;
  usedMemoryBytes: number | null;
  /** Only when `process_name` was asked for. */
  processName?: string;
}

/** `--help-query-compute-apps` documents `"used_gpu_memory" or "used_memory"` and `"process_name" or "name"`. */
const ALIASES: Record<string, string> = { used_gpu_memory: 'used_memory', name: 'process_name' };

const canonical = (field: string) => ALIASES[field] ?? field;

/** What the interactive table prints instead of rows; the CSV query prints nothing at all. */
const NO_PROCESSES = /^No running (compute )?processes found/i;

/**
 * Maps one row onto the asked-for fields; null for a line that is not a row.
 * Only `process_name` may hold commas (a Windows path can), so surplus cells
 * are folded back into it.
 */
export function computeAppRow(fields: readonly string[], line: string): ComputeApp | null {
  if (line.trim() === '' || NO_PROCESSES.test(line.trim())) return null;
  const names = fields.map((f) => canonical(fieldName(f)));
  let cells = splitRow(line);
  const nameCol = names.indexOf('process_name');
  if (cells.length > names.length && nameCol >= 0) {
    const extra = cells.length - names.length;
    cells = [...cells.slice(0, nameCol), cells.slice(nameCol, nameCol + extra + 1).join(','), ...cells.slice(nameCol + extra + 1)];
  }
  if (cells.length !== names.length) throw new Error(`compute-apps row has ${cells.length} cells, expected ${names.length}: ${line.slice(0, 120)}`);
  const cell = (f: string) => {
    const i = names.indexOf(f);
    return i < 0 ? undefined : cells[i];
  };
  const pid = Number(cell('pid'));
  if (!Number.isInteger(pid) || pid < 0) throw new Error(`compute-apps row has no pid: ${line.slice(0, 120)}`);
  const app: ComputeApp = { pid, gpuUuid: cell('gpu_uuid') ?? '', usedMemoryBytes: parseBytes(cell('used_memory'), 'MiB') };
  const processName = cell('process_name');
  if (processName !== undefined) app.processName = processName;
  return app;
}

/**
 * Parses a whole output. Without `fields` the first line must be the header
 * (`--format=csv`); with them the output is `noheader`.
 */
export function parseComputeApps(text: string, fields?: readonly string[]): ComputeApp[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || NO_PROCESSES.test(lines[0]!.trim())) return [];
  const header = fields ?? splitRow(lines[0]!);
  return lines.slice(fields ? 0 : 1).flatMap((l) => computeAppRow(header, l) ?? []);
}
