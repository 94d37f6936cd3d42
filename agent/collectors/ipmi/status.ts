/**
 * Sensor status codes ipmitool prints (lib/ipmi_sdr.c): `ok`, `ns` (no
 * reading), `nc`/`cr`/`nr` in `sdr list` and `sensor`, and the
 * lower/upper-specific spellings in `sdr elist`.
 */
const SEVERITY: Record<string, number> = { ok: 0, nc: 1, lnc: 1, unc: 1, cr: 2, lcr: 2, ucr: 2, nr: 3, lnr: 3, unr: 3 };

/** True for a status cell ipmitool can print (`ok`, `ns`, `ucr`, ...); anything else means the row is not a sensor row. */
export function isSensorStatus(cell: string): boolean {
  return cell === 'ns' || Object.hasOwn(SEVERITY, cell);
}

/** 0 ok, 1 non-critical, 2 critical, 3 non-recoverable; null for `ns` and discrete state masks (`0x0180`). */
export function severity(status: string): number | null {
  return Object.hasOwn(SEVERITY, status) ? SEVERITY[status]! : null;
}
