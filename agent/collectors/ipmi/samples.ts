import type { Sample } from '../types.js';
import type { DcmiPowerReading } from './parse-dcmi.js';
import { severity, type SensorReading } from './reading.js';

const BY_UNIT: Record<string, { metric: string; scale: number }> = {
  'degrees c': { metric: 'ipmi_temperature_celsius', scale: 1 },
  rpm: { metric: 'ipmi_fan_rpm', scale: 1 },
  volts: { metric: 'ipmi_voltage_volts', scale: 1 },
  amps: { metric: 'ipmi_current_amperes', scale: 1 },
  watts: { metric: 'ipmi_power_watts', scale: 1 },
};

/**
 * Sensor readings to samples. Names are not unique on every BMC (Dell has
 * several `Temp` rows), so repeats get their sensor number appended.
 */
export function sensorSamples(readings: readonly SensorReading[], ts: number): Sample[] {
  const seen = new Map<string, number>();
  const out: Sample[] = [];
  for (const r of readings) {
    const n = seen.get(r.name) ?? 0;
    seen.set(r.name, n + 1);
    const sensor = n === 0 ? r.name : `${r.name} ${r.number !== null ? `${r.number.toString(16).toUpperCase().padStart(2, '0')}h` : `#${n + 1}`}`;
    if (r.value !== null) {
      const known = BY_UNIT[r.unit.toLowerCase()];
      if (known) out.push({ metric: known.metric, labels: { sensor }, value: r.value * known.scale, ts });
      else out.push({ metric: 'ipmi_sensor_value', labels: { sensor, unit: r.unit }, value: r.value, ts });
    }
    const sev = severity(r.status);
    if (sev !== null) out.push({ metric: 'ipmi_sensor_state', labels: { sensor }, value: sev, ts });
  }
  return out;
}

/** Whole-node input power from DCMI; nothing when the reading is deactivated. */
export function dcmiSamples(r: DcmiPowerReading, ts: number): Sample[] {
  return r.instantWatts === null ? [] : [{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: r.instantWatts, ts }];
}
