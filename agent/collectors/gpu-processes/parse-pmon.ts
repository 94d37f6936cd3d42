import { isNoValue, parseNumber } from '../../../shared/units.js';

/**
 * Pure parser for `nvidia-smi pmon` (per-process monitor). Real lines
 * (H100, driver 590.48.01, `pmon -c 5`):
 *   # gpu         pid   type     sm    mem    enc    dec    jpg    ofa    command
 *   # Idx           #    C/G      %      %      %      %      %      %    name
 *       0      11345     C     99     10      -      -      -      -    gpu_burn
 *       0          -     -      -      -      -      -      -      -    -
 * `-` is "no sample in this interval" (or a GPU with no process at all): null.
 * Columns are read from the header, so older drivers without jpg/ofa and
 * `-s um` (extra fb/ccpm columns) parse too. The command is the last column
 * and may hold spaces (Windows: `NVIDIA Overlay.`).
 */
export interface PmonRow {
  gpu: number;
  pid: number | null;
  /** `C` compute, `G` graphics, `C+G` both. */
  type: string | null;
  sm: number | null;
  mem: number | null;
  enc: number | null;
  dec: number | null;
  jpg: number | null;
  ofa: number | null;
  command: string | null;
}

const PERCENT_COLUMNS = ['sm', 'mem', 'enc', 'dec', 'jpg', 'ofa'] as const;

/** The `-s u` layout, used until a header line has been seen. */
const DEFAULT_COLUMNS = ['gpu', 'pid', 'type', 'sm', 'mem', 'enc', 'dec', 'jpg', 'ofa', 'command'];

/** Column names from a header line (`# gpu pid type ...`); null for any other line. */
export function pmonHeader(line: string): string[] | null {
  const m = /^#\s*(.*)$/.exec(line.trim());
  if (!m) return null;
  const cols = m[1]!.split(/\s+/);
  return cols.includes('gpu') && cols.includes('pid') ? cols : null;
}

/** One data row under the given columns; null for header, unit, blank or foreign lines. */
export function pmonRow(columns: readonly string[], line: string): PmonRow | null {
  if (line.trim() === '' || line.trimStart().startsWith('#')) return null;
  const tokens = [...line.matchAll(/\S+/g)];
  const commandCol = columns.indexOf('command');
  const fixed = commandCol >= 0 ? commandCol : columns.length;
  if (tokens.length < fixed || !/^\d+$/.test(tokens[0]![0])) return null;
  const cell = (name: string): string | undefined => {
    const i = columns.indexOf(name);
    return i < 0 || i >= fixed ? undefined : tokens[i]![0];
  };
  const text = (raw: string | undefined) => (isNoValue(raw) ? null : raw!);
  const commandToken = tokens[fixed];
  const row: PmonRow = {
    gpu: Number(cell('gpu')),
    pid: parseNumber(cell('pid')),
    type: text(cell('type')),
    sm: null,
    mem: null,
    enc: null,
    dec: null,
    jpg: null,
    ofa: null,
    command: commandCol >= 0 && commandToken ? text(line.slice(commandToken.index).trim()) : null,
  };
  for (const c of PERCENT_COLUMNS) row[c] = parseNumber(cell(c));
  return row;
}

/** Streaming parser: feed lines in order; headers (repeated mid-stream) update the layout. */
export class PmonParser {
  private columns: readonly string[] = DEFAULT_COLUMNS;

  line(line: string): PmonRow | null {
    const header = pmonHeader(line);
    if (header) {
      this.columns = header;
      return null;
    }
    return pmonRow(this.columns, line);
  }
}

/** Parses a whole `pmon -c N` output. */
export function parsePmon(text: string): PmonRow[] {
  const parser = new PmonParser();
  return text.split(/\r?\n/).flatMap((l) => parser.line(l) ?? []);
}
