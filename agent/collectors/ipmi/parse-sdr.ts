import { splitReading, type SensorReading } from './reading.js';

/**
 * Parses `ipmitool sdr elist` / `sdr type X` (5 columns), `sdr list` (3) and
 * their `-c` CSV forms. Columns are split on the separator, never on fixed
 * offsets: entity instances above 9 widen the column (Huawei `7.96`).
 *
 *   PSU1_Power       | 30h | ok  | 10.1 | 430 Watts
 *   Ambient Temp     | 20 degrees C      | ok
 *   CPU1_Temp,45,degrees C,ok
 */
export function parseSdr(text: string): SensorReading[] {
  const out: SensorReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const csv = !line.includes('|');
    const cells = (csv ? line.split(',') : line.split('|')).map((c) => c.trim());
    const reading = toReading(cells, csv);
    if (reading) out.push(reading);
  }
  return out;
}

function toReading(cells: string[], csv: boolean): SensorReading | null {
  if (cells.length === 5) {
    // name | number | status | entity | reading
    const [name, num, status, , cell] = cells as [string, string, string, string, string];
    const { value, unit } = splitReading(cell);
    return { name, number: parseSensorNumber(num), status, value, unit, text: cell };
  }
  if (cells.length === 3 && !csv) {
    // name | reading | status
    const [name, cell, status] = cells as [string, string, string];
    const { value, unit } = splitReading(cell);
    return { name, number: null, status, value: /^0x/i.test(cell) ? null : value, unit, text: cell };
  }
  if (cells.length === 4 && csv) {
    // name,value,unit,status (`-c sdr elist`)
    const [name, raw, unit, status] = cells as [string, string, string, string];
    const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : null;
    return { name, number: null, status, value, unit: value === null ? '' : unit, text: value === null ? raw || unit : `${raw} ${unit}` };
  }
  return null;
}

/** `30h` -> 0x30. */
function parseSensorNumber(cell: string): number | null {
  const m = /^([0-9a-f]+)h$/i.exec(cell);
  return m ? Number.parseInt(m[1]!, 16) : null;
}
