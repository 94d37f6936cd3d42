import { isSensorStatus } from './status.js';

/** One row of `ipmitool sdr` output, whichever form printed it. */
export interface SdrRecord {
  /** Sensor ID as the BMC gives it (at most 16 characters, not unique on every BMC). */
  name: string;
  /** `id.instance` (`3.1`, `7.96`); absent in the `sdr list` form. */
  entityId?: string;
  /** Sensor number (`30h` -> 0x30); absent in the `sdr list` form and for analog rows of `-c sdr elist`. */
  sensorNumber?: number;
  /** `ok`, `ns`, `nc`/`cr`/`nr` or `lnc`/`unc`/`lcr`/`ucr`/`lnr`/`unr`. */
  status: string;
  /** The numeric reading; null for discrete sensors and for `No Reading`, `Disabled`, `Not Readable`. */
  value: number | null;
  /** Unit of `value` as printed (`degrees C`, `Watts`, `RPM`); empty when there is no value. */
  unit: string;
  /** The reading as printed: `45 degrees C`, `Presence detected`, `0x00`, `No Reading`; empty when the BMC printed none. */
  raw: string;
}

const SENSOR_NUMBER = /^([0-9A-F]{2})h$/i;
const ENTITY = /^\d+\.\d+$/;
// `12.06 Volts`, `110 Watts, Presence detected` (value, unit, then asserted states).
const ANALOG = /^(-?\d+(?:\.\d+)?) ([^,]+?)(?:,.*)?$/;

/**
 * Parses `ipmitool sdr elist` (`elist all`, `sdr type X`), `sdr list` and the
 * `-c` CSV form. Rows are split on the separator, never on fixed offsets: an
 * entity instance above 9 widens its column (Huawei `7.96`, OpenBMC `210.1`).
 * Lines that are not sensor rows (stderr such as `Unable to send command`)
 * are skipped.
 *
 *     PSU1_Power       | 30h | ok  | 10.1 | 430 Watts
 *     Ambient Temp     | 20 degrees C      | ok
 *     CPU1_Temp,45,degrees C,ok
 *     PSU1_Status,40h,ok,10.1,Presence detected
 */
export function parseSdr(text: string): SdrRecord[] {
  const out: SdrRecord[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const record = line.includes('|') ? pipeRow(line.split('|').map((c) => c.trim())) : csvRow(line.split(',').map((c) => c.trim()));
    if (record) out.push(record);
  }
  return out;
}

function pipeRow(cells: string[]): SdrRecord | null {
  if (cells.length === 5) {
    const [name, num, status, entity, raw] = cells as [string, string, string, string, string];
    const n = SENSOR_NUMBER.exec(num);
    if (!n || !isSensorStatus(status) || !ENTITY.test(entity)) return null;
    return { name, entityId: entity, sensorNumber: Number.parseInt(n[1]!, 16), status, ...analog(raw), raw };
  }
  if (cells.length === 3) {
    const [name, raw, status] = cells as [string, string, string];
    if (!isSensorStatus(status)) return null;
    return { name, status, ...analog(raw), raw };
  }
  return null;
}

/**
 * `-c` rows (lib/ipmi_sdr.c): threshold sensors print `name,value,unit,status`
 * (`name,,,ns` without a reading); other sensors `name,NNh,status,entity,states`
 * where the states are joined by `, ` and so span several cells.
 */
function csvRow(cells: string[]): SdrRecord | null {
  if (cells.length < 4) return null;
  const [name, second, third, fourth] = cells as [string, string, string, string];
  const n = SENSOR_NUMBER.exec(second);
  if (n && isSensorStatus(third) && ENTITY.test(fourth)) {
    const raw = cells.slice(4).join(', ');
    return { name, entityId: fourth, sensorNumber: Number.parseInt(n[1]!, 16), status: third, ...analog(raw), raw };
  }
  // Non-threshold analog sensors add `entity,` and their states after the status (`110,Watts,ok,10.1,Presence detected`);
  // `-c sensor` rows also have numbers in those places, but thresholds (`8400.000,RPM,ok,300.000,500.000,...`).
  const entity = cells[4];
  if (!isSensorStatus(fourth)) return null;
  if (entity !== undefined && !(ENTITY.test(entity) && cells.length >= 6 && !/^(na|-?\d+(\.\d+)?)$/.test(cells[5]!))) return null;
  if (second === '') return { name, status: fourth, value: null, unit: '', raw: '' };
  if (!/^-?\d+(\.\d+)?$/.test(second)) return null;
  const record: SdrRecord = { name, status: fourth, value: Number(second), unit: third, raw: `${second} ${third}` };
  if (entity !== undefined) record.entityId = entity;
  return record;
}

function analog(raw: string): { value: number | null; unit: string } {
  const m = ANALOG.exec(raw);
  return m ? { value: Number(m[1]), unit: m[2]! } : { value: null, unit: '' };
}
