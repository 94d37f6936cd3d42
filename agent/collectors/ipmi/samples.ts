import type { Sample } from '../types.js';
import type { DcmiPowerReading } from './parse-dcmi.js';
import type { SdrRecord } from './parse-sdr.js';
import { severity } from './status.js';

/** Unit as ipmitool prints it (lower-cased) -> catalogue metric and conversion. */
const BY_UNIT: Record<string, { metric: string; convert: (v: number) => number }> = {
  'degrees c': { metric: 'ipmi_temperature_celsius', convert: (v) => v },
  'degrees f': { metric: 'ipmi_temperature_celsius', convert: (v) => ((v - 32) * 5) / 9 },
  rpm: { metric: 'ipmi_fan_rpm', convert: (v) => v },
  volts: { metric: 'ipmi_voltage_volts', convert: (v) => v },
  amps: { metric: 'ipmi_current_amperes', convert: (v) => v },
  watts: { metric: 'ipmi_power_watts', convert: (v) => v },
};

/** `0Eh`, as `sdr elist` prints the sensor number. */
function sensorId(n: number): string {
  return `${n.toString(16).toUpperCase().padStart(2, '0')}h`;
}

/**
 * SDR rows to samples. `sensor` is the name as the BMC gives it; `id` (the
 * sensor number) keeps repeated names apart (Dell prints several `Temp`,
 * `Status` and `Presence` rows). Readings in other units go to
 * ipmi_sensor_value{unit}. ipmi_sensor_state is only sent for sensors with a
 * reading: for discrete sensors `ok` just means "readable" (a pulled PSU's
 * status sensor still says `ok`).
 */
export function sensorSamples(records: readonly SdrRecord[], ts: number): Sample[] {
  const out: Sample[] = [];
  for (const r of records) {
    if (r.value === null) continue;
    const labels: Record<string, string> = { sensor: r.name };
    if (r.sensorNumber !== undefined) labels.id = sensorId(r.sensorNumber);
    const known = BY_UNIT[r.unit.toLowerCase()];
    if (known) out.push({ metric: known.metric, labels, value: known.convert(r.value), ts });
    else out.push({ metric: 'ipmi_sensor_value', labels: { ...labels, unit: r.unit }, value: r.value, ts });
    const state = severity(r.status);
    if (state !== null) out.push({ metric: 'ipmi_sensor_state', labels, value: state, ts });
  }
  return out;
}

/** Whole-node input power from DCMI; nothing when there is no valid reading. */
export function dcmiSamples(r: DcmiPowerReading | null, ts: number): Sample[] {
  return !r || r.instantWatts === null ? [] : [{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: r.instantWatts, ts }];
}
