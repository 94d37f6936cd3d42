/** One BMC sensor as ipmitool prints it, whatever the command (`sdr elist`, `sdr list`, `sensor`, `-c`). */
export interface SensorReading {
  name: string;
  /** Sensor number (`0x30`), when the form shows it. */
  number: number | null;
  /** `ok`, `ns`, `nc`/`cr`/`nr`, `lnc`/`unc`/`lcr`/`ucr`/`lnr`/`unr`, or a discrete state like `0x0180`. */
  status: string;
  /** Numeric reading, null when the sensor has none (discrete, `No Reading`, `na`, `Disabled`). */
  value: number | null;
  /** Unit text as printed (`degrees C`, `Watts`, `RPM`), empty when there is none. */
  unit: string;
  /** The reading cell as printed, for discrete states (`Presence detected`, `Fully Redundant`). */
  text: string;
}

const SEVERITY: Record<string, number> = { ok: 0, nc: 1, lnc: 1, unc: 1, cr: 2, lcr: 2, ucr: 2, nr: 3, lnr: 3, unr: 3 };

/** 0 ok, 1 non-critical, 2 critical, 3 non-recoverable; null when the BMC gives no threshold state (`ns`, discrete masks). */
export function severity(status: string): number | null {
  return SEVERITY[status.toLowerCase()] ?? null;
}

/** Splits `12.06 Volts` / `110 Watts, Presence detected` into value and unit; text readings give null. */
export function splitReading(cell: string): { value: number | null; unit: string } {
  const m = /^(-?\d+(?:\.\d+)?)\s+([^,]+?)\s*(?:,.*)?$/.exec(cell.trim());
  if (!m) return { value: null, unit: '' };
  return { value: Number(m[1]), unit: m[2]! };
}
