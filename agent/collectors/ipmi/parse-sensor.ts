import { isNoValue } from '../../../shared/units.js';
import type { SensorReading } from './reading.js';

export interface SensorWithThresholds extends SensorReading {
  thresholds: { lnr: number | null; lcr: number | null; lnc: number | null; unc: number | null; ucr: number | null; unr: number | null };
}

const num = (c: string | undefined) => (c === undefined || isNoValue(c) || !/^-?\d+(\.\d+)?$/.test(c) ? null : Number(c));

/**
 * Parses the `ipmitool sensor` table (and `-c sensor`): name | reading | unit
 * | status | lnr | lcr | lnc | unc | ucr | unr.
 *
 *   Inlet_Temp       | 24.000     | degrees C  | ok    | na        | 3.000     | 8.000     | 42.000    | 47.000    | na
 *   UID Light        | 0x0        | discrete   | 0x0180| na        | ...
 */
export function parseSensor(text: string): SensorWithThresholds[] {
  const out: SensorWithThresholds[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = (line.includes('|') ? line.split('|') : line.split(',')).map((c) => c.trim());
    if (cells.length < 10) continue;
    const [name, reading, unit, status, lnr, lcr, lnc, unc, ucr, unr] = cells as [string, ...string[]];
    const discrete = unit === 'discrete';
    out.push({
      name,
      number: null,
      status: status!,
      value: discrete ? null : num(reading),
      unit: discrete ? '' : unit!,
      text: reading!,
      thresholds: { lnr: num(lnr), lcr: num(lcr), lnc: num(lnc), unc: num(unc), ucr: num(ucr), unr: num(unr) },
    });
  }
  return out;
}
