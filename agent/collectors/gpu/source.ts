import { execa } from 'execa';
import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { parseHelpQueryGpu } from './fields.js';
import { rowToRecord } from './parse-csv.js';

/** Fields this driver accepts, from `nvidia-smi --help-query-gpu`; null when the help is unavailable (very old drivers). */
export async function supportedFields(nvidiaSmi: string): Promise<Set<string> | null> {
  const r = await execa(nvidiaSmi, ['--help-query-gpu'], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) return null;
  const fields = parseHelpQueryGpu(r.stdout);
  return fields.size > 0 ? fields : null;
}

/**
 * The one long-running `nvidia-smi --query-gpu=... -lms N` stream. Each loop
 * prints one row per GPU; a row whose GPU index was already seen closes the
 * previous set, and so does a short pause after the last row.
 */
export function gpuStream(opts: {
  nvidiaSmi: string;
  fields: string[];
  intervalMs: number;
  log: Logger;
  onSet: (rows: Record<string, string>[]) => void;
}): LineProcess {
  let pending: Record<string, string>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    opts.onSet(rows);
  };
  return new LineProcess({
    file: opts.nvidiaSmi,
    args: [`--query-gpu=${opts.fields.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(opts.intervalMs)],
    log: opts.log,
    what: 'nvidia-smi',
    onExit: flush,
    onLine(line) {
      if (line.trim() === '') return;
      let row;
      try {
        row = rowToRecord(opts.fields, line);
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'unparseable nvidia-smi row skipped');
        return;
      }
      if (pending.some((r) => r.index === row.index)) flush();
      pending.push(row);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, Math.min(100, opts.intervalMs / 4));
    },
  });
}
