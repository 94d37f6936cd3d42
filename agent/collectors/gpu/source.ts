import { runCommand } from '../run-command.js';
import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { RowSets } from '../row-sets.js';
import type { Detection } from '../types.js';
import { parseHelpQueryGpu, refusedField, withoutRefusedField } from './fields.js';
import { rowToRecord } from './parse-csv.js';
import { parseGpuList } from './parse-list.js';

/** Available when `nvidia-smi -L` runs and lists a GPU; the reason says which binary and how many, or why not. */
export async function detectNvidiaSmi(nvidiaSmi: string): Promise<Detection> {
  const r = await runCommand(nvidiaSmi, ['-L'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) {
    // `No devices were found`, `NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver...`
    const detail = (r.stdout || r.stderr || r.failure).trim().split('\n')[0];
    return { available: false, reason: `${nvidiaSmi} ${r.code === 'ENOENT' ? 'not found' : `failed (${detail})`}` };
  }
  const n = parseGpuList(r.stdout).length;
  return n > 0 ? { available: true, reason: `${nvidiaSmi}: ${n} GPU(s)` } : { available: false, reason: `${nvidiaSmi} -L lists no GPU` };
}

/** Fields this driver accepts, from `nvidia-smi --help-query-gpu`; null when the help is unavailable (very old drivers). */
export async function supportedFields(nvidiaSmi: string): Promise<Set<string> | null> {
  const r = await runCommand(nvidiaSmi, ['--help-query-gpu'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return null;
  const fields = parseHelpQueryGpu(r.stdout);
  return fields.size > 0 ? fields : null;
}

/**
 * Checks the field list with one one-shot query before the stream starts.
 * `--help-query-gpu` may list a field the GPU still refuses, and drivers
 * without that help refuse unknown fields by name
 * (`Field "power.draw.instant" is not a valid field to query.`): each refused
 * field is swapped for its older alias or dropped, and the query is retried.
 * Any other failure (no devices, driver not loaded) is thrown; the caller
 * starts the stream anyway and lets its restart loop wait for the driver.
 */
export async function checkFields(nvidiaSmi: string, fields: readonly string[], log: Logger): Promise<string[]> {
  let current = [...fields];
  for (let attempt = 0; attempt <= fields.length; attempt++) {
    const r = await runCommand(nvidiaSmi, [`--query-gpu=${current.join(',')}`, '--format=csv,noheader,nounits'], { timeoutMs: 10_000 });
    if (r.exitCode === 0) return current;
    const refused = refusedField(`${r.stdout}\n${r.stderr}`);
    if (!refused) throw new Error(`${nvidiaSmi} --query-gpu failed: ${(r.stderr || r.stdout || r.failure).trim().split('\n')[0]}`);
    const next = withoutRefusedField(current, refused);
    log.info({ refused, instead: next.find((f) => !current.includes(f)) }, 'nvidia-smi refused a query field; querying without it');
    current = next;
  }
  throw new Error(`${nvidiaSmi} kept refusing query fields`);
}

/**
 * The one long-running `nvidia-smi --query-gpu=... -lms N` stream. Each loop
 * prints one row per GPU; a row whose GPU index was already seen closes the
 * previous set, and so does a pause of half an interval after the last row.
 * `receivedAt` is when the set's first row arrived.
 */
export function gpuStream(opts: {
  nvidiaSmi: string;
  fields: string[];
  intervalMs: number;
  log: Logger;
  onSet: (rows: Record<string, string>[], receivedAt: number) => void;
}): LineProcess {
  const sets = new RowSets<Record<string, string>>((r) => r.index ?? '', Math.max(50, opts.intervalMs / 2), opts.onSet);
  return new LineProcess({
    file: opts.nvidiaSmi,
    args: [`--query-gpu=${opts.fields.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(opts.intervalMs)],
    log: opts.log,
    what: 'nvidia-smi',
    onExit: () => sets.flush(),
    onLine(line) {
      if (line.trim() === '') return;
      let row;
      try {
        row = rowToRecord(opts.fields, line);
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'unparseable nvidia-smi row skipped');
        return;
      }
      sets.push(row);
    },
  });
}
