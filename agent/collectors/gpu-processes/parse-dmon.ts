import { parseNumber } from '../../../shared/units.js';

/**
 * Pure parser for `nvidia-smi dmon` (per-device monitor, GPU level). Real
 * lines (H100, driver 590.48.01, `dmon -c 5`):
 *   # gpu    pwr  gtemp  mtemp     sm    mem    enc    dec    jpg    ofa   mclk   pclk
 *   # Idx      W      C      C      %      %      %      %      %      %    MHz    MHz
 *       0    631     63     57    100     10      0      0      0      0   2619   1980
 * With MIG enabled sm/mem/enc/... print `-`; GPUs without HBM print `-` for
 * mtemp. `-` is null. Watts are whole numbers here, so the agent reads power
 * from `--query-gpu` and keeps dmon as a fallback source.
 */
export interface DmonRow {
  gpu: number;
  pwr: number | null;
  gtemp: number | null;
  mtemp: number | null;
  sm: number | null;
  mem: number | null;
  enc: number | null;
  dec: number | null;
  jpg: number | null;
  ofa: number | null;
  mclk: number | null;
  pclk: number | null;
}

const VALUE_COLUMNS = ['pwr', 'gtemp', 'mtemp', 'sm', 'mem', 'enc', 'dec', 'jpg', 'ofa', 'mclk', 'pclk'] as const;

/** Parses a whole `dmon` output; columns come from the (possibly repeated) header line. */
export function parseDmon(text: string): DmonRow[] {
  let columns: string[] | null = null;
  const rows: DmonRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const header = /^#\s*(gpu\s.*)$/.exec(line.trim());
    if (header) {
      columns = header[1]!.split(/\s+/);
      continue;
    }
    const cells = line.trim().split(/\s+/);
    if (!columns || !/^\d+$/.test(cells[0] ?? '')) continue;
    const cell = (name: string) => {
      const i = columns!.indexOf(name);
      return i < 0 ? undefined : cells[i];
    };
    const row = { gpu: Number(cells[0]) } as DmonRow;
    for (const c of VALUE_COLUMNS) row[c] = parseNumber(cell(c));
    rows.push(row);
  }
  return rows;
}
