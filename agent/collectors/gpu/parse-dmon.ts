import { isNoValue } from '../../../shared/units.js';

/** One column of `nvidia-smi dmon` / `pmon` output: its name and unit from the two header lines. */
export interface DmonColumn {
  name: string;
  unit: string;
}

/** A data row keyed by column name; `-` and N/A cells are left out (absent, never 0). */
export type DmonRow = Record<string, string>;

/**
 * Reads `nvidia-smi dmon` (and `pmon`) output line by line. The columns are
 * whatever the two `#` header lines say, so any `-s` selection, `-o DT`
 * prefix or driver's column set reads the same way:
 *
 *     # gpu    pwr  gtemp  mtemp     sm    mem    enc    dec    jpg    ofa   mclk   pclk
 *     # Idx      W      C      C      %      %      %      %      %      %    MHz    MHz
 *         0    438     55     61      -      -      -      -      -      -   2619   1980
 *
 * (h100-mig-590.48.01-load-dmon-c5.txt). The first `#` line names the
 * columns, the `#` line right after it gives their units; a new pair (the
 * tools repeat their header, every 44 rows in the Windows pmon captures, and
 * a restarted process prints it again) replaces the columns. Pure: no I/O,
 * one instance per stream.
 */
export class DmonReader {
  columns: DmonColumn[] = [];
  private pendingNames: string[] | null = null;

  /** The row of a data line; null for header and blank lines. Throws for a row before any header or with too few cells. */
  line(line: string): DmonRow | null {
    const trimmed = line.trim();
    if (trimmed === '') return null;
    if (trimmed.startsWith('#')) {
      const tokens = trimmed.slice(1).trim().split(/\s+/);
      if (this.pendingNames) {
        this.columns = this.pendingNames.map((name, i) => ({ name, unit: tokens[i] ?? '' }));
        this.pendingNames = null;
      } else {
        this.pendingNames = tokens;
      }
      return null;
    }
    if (this.columns.length === 0) throw new Error(`dmon row before its header: ${trimmed}`);
    const cells = trimmed.split(/\s+/);
    if (cells.length < this.columns.length) throw new Error(`dmon row has ${cells.length} cells for ${this.columns.length} columns: ${trimmed}`);
    // pmon's last column is the process name, which may hold spaces (`NVIDIA Overlay.` on Windows): extra cells belong to it.
    const last = this.columns.length - 1;
    const row: DmonRow = {};
    this.columns.forEach((c, i) => {
      const raw = i === last ? cells.slice(last).join(' ') : cells[i]!;
      if (!isNoValue(raw)) row[c.name] = raw;
    });
    return row;
  }
}

/** Parses a whole dmon/pmon capture: its (last) columns and every row. */
export function parseDmon(text: string): { columns: DmonColumn[]; rows: DmonRow[] } {
  const reader = new DmonReader();
  const rows = text.split('\n').flatMap((l) => {
    const row = reader.line(l);
    return row ? [row] : [];
  });
  return { columns: reader.columns, rows };
}
