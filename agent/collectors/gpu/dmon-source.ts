import { runCommand } from '../run-command.js';
import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { RowSets } from '../row-sets.js';
import { DmonReader, parseDmon, type DmonColumn, type DmonRow } from './parse-dmon.js';
import { hasPcieColumns } from './pcie-fields.js';

/** `dmon -d` takes whole seconds, at least 1: the stream interval rounded, never below a second. */
export function dmonDelaySeconds(intervalMs: number): number {
  return Math.max(1, Math.round(intervalMs / 1000));
}

/**
 * Whether this driver prints PCIe throughput: one `nvidia-smi dmon -s t -c 1`
 * must exit 0 with `rxpci` and `txpci` columns. Null when it does, else why
 * not (a driver that refuses the option answers with its usage error).
 */
export async function dmonPcieUnsupported(nvidiaSmi: string): Promise<string | null> {
  const r = await runCommand(nvidiaSmi, ['dmon', '-s', 't', '-c', '1'], { timeoutMs: 15_000 });
  const firstLine = (s: string) => s.trim().split('\n')[0];
  if (r.exitCode !== 0) return `exit ${r.exitCode ?? r.signal ?? r.code}: ${firstLine(r.stderr) || firstLine(r.stdout) || r.failure}`;
  try {
    return hasPcieColumns(parseDmon(r.stdout).columns) ? null : 'no rxpci/txpci columns in its output';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The long-running `nvidia-smi dmon -s t -d N` stream, kept alive by the same
 * LineProcess as the `--query-gpu -lms` stream. dmon prints one row per GPU
 * per interval; rows are grouped per loop like that stream's (RowSets), so a
 * loop's samples share one timestamp.
 */
export function pcieStream(opts: {
  nvidiaSmi: string;
  intervalMs: number;
  log: Logger;
  onSet: (rows: DmonRow[], columns: readonly DmonColumn[], receivedAt: number) => void;
}): LineProcess {
  const seconds = dmonDelaySeconds(opts.intervalMs);
  const reader = new DmonReader();
  const sets = new RowSets<DmonRow>((r) => r.gpu ?? '', Math.max(50, (seconds * 1000) / 2), (rows, at) => opts.onSet(rows, reader.columns, at));
  return new LineProcess({
    file: opts.nvidiaSmi,
    args: ['dmon', '-s', 't', '-d', String(seconds)],
    log: opts.log,
    what: 'nvidia-smi dmon',
    onExit: () => sets.flush(),
    onLine(line) {
      let row;
      try {
        row = reader.line(line);
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'unparseable nvidia-smi dmon row skipped');
        return;
      }
      if (row) sets.push(row);
    },
  });
}
