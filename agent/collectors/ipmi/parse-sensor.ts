import { isNoValue } from '../../../shared/units.js';

export interface Thresholds {
  lnr: number | null;
  lcr: number | null;
  lnc: number | null;
  unc: number | null;
  ucr: number | null;
  unr: number | null;
}

/** One row of `ipmitool sensor`: the reading and the six thresholds. */
export interface SensorRow {
  name: string;
  /** Null for `na` and for discrete sensors. */
  value: number | null;
  /** Unit as printed; empty for discrete sensors (and for absent sensors, where ipmitool prints none). */
  unit: string;
  /** `ok`, `nc`, `cr`, `nr`, `na`; discrete sensors print their state mask here (`0x0180`). */
  status: string;
  /** The reading cell as printed (`45.000`, `0x0`, `na`). */
  raw: string;
  thresholds: Thresholds;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

function num(cell: string): number | null {
  return isNoValue(cell) || !NUMBER.test(cell) ? null : Number(cell);
}

/**
 * Parses `ipmitool sensor` (lib/ipmi_sensor.c) and its `-c` form: name |
 * reading | unit | status | lnr | lcr | lnc | unc | ucr | unr.
 *
 *     Inlet_Temp       | 24.000     | degrees C  | ok    | na        | 3.000     | 8.000     | 42.000    | 47.000    | na
 *     UID Light        | 0x0        | discrete   | 0x0180| na        | na        | na        | na        | na        | na
 */
export function parseSensor(text: string): SensorRow[] {
  const out: SensorRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = (line.includes('|') ? line.split('|') : line.split(',')).map((c) => c.trim());
    if (cells.length !== 10 || cells[0] === '') continue;
    const [name, raw, unit, status] = cells as [string, string, string, string];
    const discrete = unit === 'discrete';
    const value = discrete ? null : num(raw);
    const [lnr, lcr, lnc, unc, ucr, unr] = cells.slice(4).map(num) as [number | null, number | null, number | null, number | null, number | null, number | null];
    out.push({ name, value, unit: discrete ? '' : unit, status, raw, thresholds: { lnr, lcr, lnc, unc, ucr, unr } });
  }
  return out;
}
