import { parseNumber } from '../../../shared/units.js';

/**
 * Streaming parser for `dcgmi dmon -e <ids> -d <ms>` (DCGM 4.x,
 * `dcgmi/DeviceMonitor.cpp`). No real capture is public; the layout, per
 * the source:
 *   #Entity         POWER             TOTEC                   TMPTR
 *   ID               W                 mJ                      C
 *   GPU 0           236.142           123456789               41
 *   GPU-I 1                           N/A
 * `#Entity`/`ID` are padded to 16 columns, each field to its display width
 * + 8, values left-aligned under their title. The entity holds a space
 * (`GPU 0`, `GPU-I 1`, `GPU 0 LINK 3`), and a field the entity does not have
 * prints as blanks, so cells are cut at the header's column starts, never
 * split on whitespace. `N/A` (blank value) is null; a blank cell is undefined.
 * The header repeats mid-stream; `dmon was stopped due to receiving a signal`
 * ends the stream on SIGINT.
 */
export interface DmonRow {
  /** `GPU`, `GPU-I`, `GPU-CI`, `CPU`, `Switch`, `GPU 0 LINK`, ... */
  group: string;
  id: number;
  /** One per column: a number, null for `N/A`, undefined when the entity has no such field. */
  cells: (number | null | undefined)[];
}

export type DmonLine =
  | { kind: 'row'; row: DmonRow }
  | { kind: 'header'; names: string[] }
  | { kind: 'units' }
  | { kind: 'blank' }
  | { kind: 'stopped' }
  | { kind: 'other'; text: string };

export interface DmonLayout {
  names: string[];
  /** Start offset of every column after the entity column. */
  starts: number[];
}

/** Column titles and their start offsets from a `#Entity ...` line; null for any other line. */
export function dmonHeader(line: string): DmonLayout | null {
  if (!line.startsWith('#Entity')) return null;
  const tokens = [...line.matchAll(/\S+/g)].slice(1);
  return { names: tokens.map((t) => t[0]), starts: tokens.map((t) => t.index) };
}

/** One data line cut at the layout's columns, each cell as printed (trimmed); null when it is no entity row. */
export function dmonTextRow(layout: DmonLayout, line: string): { group: string; id: number; texts: string[] } | null {
  const entity = /^(.*\S)\s+(\d+)$/.exec(line.slice(0, layout.starts[0] ?? line.length).trim());
  if (!entity) return null;
  const texts = layout.starts.map((start, i) => line.slice(start, layout.starts[i + 1] ?? line.length).trim());
  return { group: entity[1]!, id: Number(entity[2]), texts };
}

/** One data line cut at the layout's columns; null when it is no entity row. */
export function dmonRow(layout: DmonLayout, line: string): DmonRow | null {
  const row = dmonTextRow(layout, line);
  if (!row) return null;
  return { group: row.group, id: row.id, cells: row.texts.map((raw) => (raw === '' ? undefined : parseNumber(raw))) };
}

/** Feed `dmon` stdout line by line; keeps the latest header's layout. */
export class DmonParser {
  private layout: DmonLayout | null = null;

  line(line: string): DmonLine {
    if (line.trim() === '') return { kind: 'blank' };
    const header = dmonHeader(line);
    if (header) {
      this.layout = header;
      return { kind: 'header', names: header.names };
    }
    if (/^ID(\s|$)/.test(line)) return { kind: 'units' };
    if (/^dmon was stopped/.test(line.trim())) return { kind: 'stopped' };
    const row = this.layout && dmonRow(this.layout, line);
    return row ? { kind: 'row', row } : { kind: 'other', text: line.trim() };
  }
}
