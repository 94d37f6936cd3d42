import { execa } from 'execa';
import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { RowSets } from '../row-sets.js';
import { fieldById } from './fields.js';
import { parseDiscovery, type DcgmGpu } from './parse-discovery.js';
import { DmonParser, type DmonRow } from './parse-dmon.js';

/** `dcgmi discovery -l`: the GPUs the host engine sees, or why it cannot be asked. */
export async function discoverGpus(dcgmi: string): Promise<{ ok: true; gpus: DcgmGpu[] } | { ok: false; reason: string }> {
  const r = await execa(dcgmi, ['discovery', '-l'], { reject: false, timeout: 10_000 });
  if (r.failed || r.exitCode !== 0) {
    const detail = String(r.stdout || r.stderr || r.shortMessage || '').trim().split('\n')[0];
    return { ok: false, reason: `${dcgmi} ${r.code === 'ENOENT' ? 'not found' : `discovery failed (${detail})`}` };
  }
  return { ok: true, gpus: parseDiscovery(r.stdout) };
}

/**
 * The one long-running `dcgmi dmon -e <ids> -d <ms>` stream. Each iteration
 * prints one row per entity; a GPU row seen again closes the previous set,
 * and so does a short pause after the last row.
 */
export function dmonStream(opts: {
  dcgmi: string;
  fieldIds: readonly number[];
  intervalMs: number;
  log: Logger;
  onSet: (rows: DmonRow[]) => void;
  /** After dmon exited (and its last set was delivered). */
  onExit?: () => void;
}): LineProcess {
  const parser = new DmonParser();
  const expected = opts.fieldIds.map((id) => fieldById(id)?.shortName ?? '');
  const said = new Set<string>();
  const sets = new RowSets<DmonRow>((r) => `${r.group} ${r.id}`, Math.min(100, opts.intervalMs / 4), (rows) => opts.onSet(rows));
  return new LineProcess({
    file: opts.dcgmi,
    args: ['dmon', '-e', opts.fieldIds.join(','), '-d', String(opts.intervalMs)],
    log: opts.log,
    what: 'dcgmi dmon',
    onExit() {
      sets.flush();
      opts.onExit?.();
    },
    onLine(line) {
      const parsed = parser.line(line);
      if (parsed.kind === 'header' && parsed.names.join() !== expected.join()) {
        // Columns are read in -e order; a different title row means a DCGM that formats differently.
        opts.log.warn({ expected, got: parsed.names }, 'dcgmi dmon columns differ from the requested fields');
      } else if (parsed.kind === 'other' && !said.has(parsed.text)) {
        said.add(parsed.text);
        opts.log.warn({ line: parsed.text }, 'dcgmi dmon printed a line that is no row');
      } else if (parsed.kind === 'row') {
        sets.push(parsed.row);
      }
    },
  });
}
