import { defineMetrics } from './catalogue.js';

// `sensor` is the name as the BMC gives it; `id` is the sensor number (`0Eh`), since names repeat on some BMCs (Dell: several `Temp`).
const SENSOR = ['sensor', 'id'] as const;

/** BMC metrics from ipmitool (`sdr elist`, `sensor`, `dcmi power reading`). */
export const IPMI_METRICS = defineMetrics([
  { name: 'ipmi_temperature_celsius', type: 'gauge', help: 'BMC temperature sensor reading', labels: SENSOR },
  { name: 'ipmi_fan_rpm', type: 'gauge', help: 'BMC fan sensor reading', labels: SENSOR },
  { name: 'ipmi_voltage_volts', type: 'gauge', help: 'BMC voltage sensor reading', labels: SENSOR },
  { name: 'ipmi_current_amperes', type: 'gauge', help: 'BMC current sensor reading', labels: SENSOR },
  { name: 'ipmi_power_watts', type: 'gauge', help: 'BMC power sensor reading (PSU input/output, total)', labels: SENSOR },
  { name: 'ipmi_sensor_value', type: 'gauge', help: 'BMC sensor reading in another unit (percent, feet, unspecified, ...), unit as ipmitool prints it', labels: [...SENSOR, 'unit'] },
  { name: 'ipmi_sensor_state', type: 'gauge', help: 'Threshold state of a sensor with a reading: 0 ok, 1 non-critical, 2 critical, 3 non-recoverable', labels: SENSOR },
  { name: 'node_power_watts', type: 'gauge', help: 'Whole-node input power as the BMC reports it (DCMI power reading)', labels: ['source'] },
  { name: 'ipmi_up', type: 'gauge', help: '1 when the last BMC poll answered, 0 when it failed or timed out', labels: [] },
] as const);
