import { describe, expect, it } from 'vitest';
import { parseSensor, type SensorRow } from '../../../../agent/collectors/ipmi/parse-sensor.js';
import { shared } from './fixtures.js';

const SIM = 'bmc-sim/sample-output';
const FIX = 'fixtures/ipmitool';
const NONE = { lnr: null, lcr: null, lnc: null, unc: null, ucr: null, unr: null };

// Every `ipmitool sensor` / `-c sensor` file: rows, rows with a numeric reading (counted with awk), whole rows read off the file.
const CASES: [file: string, rows: number, withValue: number, records: SensorRow[]][] = [
  [`${SIM}/sensor.txt`, 20, 16, [
    { name: 'Inlet_Temp', value: 24, unit: 'degrees C', status: 'ok', raw: '24.000', thresholds: { lnr: null, lcr: 3, lnc: 8, unc: 42, ucr: 47, unr: null } },
    { name: 'CPU1_Temp', value: 45, unit: 'degrees C', status: 'ok', raw: '45.000', thresholds: { lnr: null, lcr: null, lnc: null, unc: 90, ucr: 95, unr: 100 } },
    { name: '12V', value: 12.06, unit: 'Volts', status: 'ok', raw: '12.060', thresholds: { lnr: null, lcr: 10.8, lnc: 11.4, unc: 12.6, ucr: 13.2, unr: null } },
    { name: 'GPU4_Temp', value: null, unit: '', status: 'na', raw: 'na', thresholds: NONE },
    { name: 'PSU1_Status', value: null, unit: '', status: '0x0100', raw: '0x1', thresholds: NONE },
  ]],
  [`${SIM}/sensor-csv.txt`, 20, 16, [
    { name: 'Fan1', value: 8400, unit: 'RPM', status: 'ok', raw: '8400.000', thresholds: { lnr: 300, lcr: 500, lnc: 800, unc: null, ucr: null, unr: null } },
    { name: 'PSU_Redundancy', value: null, unit: '', status: '0x0100', raw: '0x0', thresholds: NONE },
  ]],
  [`${SIM}/sensor-psu2-pulled.txt`, 20, 15, [
    { name: 'CPU1_Temp', value: 92, unit: 'degrees C', status: 'nc', raw: '92.000', thresholds: { lnr: null, lcr: null, lnc: null, unc: 90, ucr: 95, unr: 100 } },
    { name: 'Fan3', value: 400, unit: 'RPM', status: 'cr', raw: '400.000', thresholds: { lnr: 300, lcr: 500, lnc: 800, unc: null, ucr: null, unr: null } },
    { name: 'PSU2_Power', value: null, unit: '', status: 'na', raw: 'na', thresholds: { lnr: null, lcr: null, lnc: null, unc: 1800, ucr: 2000, unr: null } },
    { name: 'PSU_Redundancy', value: null, unit: '', status: '0x0200', raw: '0x2', thresholds: NONE },
  ]],
  [`${FIX}/diamond-sensor-hp-proliant-a.txt`, 18, 10, [
    { name: 'UID Light', value: null, unit: '', status: '0x0180', raw: '0x0', thresholds: NONE },
    { name: '01-Inlet Ambient', value: 18, unit: 'degrees C', status: 'ok', raw: '18.000', thresholds: { ...NONE, ucr: 42, unr: 46 } },
    { name: '04-HD Max', value: null, unit: '', status: 'na', raw: 'na', thresholds: { ...NONE, ucr: 60 } },
    { name: 'Fan 1', value: 15.68, unit: 'percent', status: 'ok', raw: '15.680', thresholds: NONE },
  ]],
  [`${FIX}/diamond-sensor-hp-proliant-b.txt`, 87, 49, [
    // HP prints some readings without decimals.
    { name: 'Power Meter', value: 270, unit: 'Watts', status: 'ok', raw: '270', thresholds: NONE },
    { name: 'Memory Status', value: 0, unit: 'error', status: 'ok', raw: '0', thresholds: NONE },
    { name: 'Fan 2 Presence', value: null, unit: '', status: '0x0280', raw: '0x2c', thresholds: NONE },
  ]],
  // Trailing spaces after the last column on every line.
  [`${FIX}/diamond-sensor-supermicro-style.txt`, 39, 34, [
    { name: '+12V', value: 12.031, unit: 'Volts', status: 'ok', raw: '12.031', thresholds: { lnr: 10.6, lcr: 10.653, lnc: 10.706, unc: 13.25, ucr: 13.303, unr: 13.356 } },
    { name: 'Fan4', value: null, unit: 'RPM', status: 'na', raw: 'na', thresholds: { lnr: 405, lcr: 540, lnc: 675, unc: 34155, ucr: 34290, unr: 34425 } },
    { name: 'Intrusion', value: 0, unit: 'unspecified', status: 'nc', raw: '0.000', thresholds: NONE },
    { name: 'CPU1 Temp', value: null, unit: '', status: '0x0000', raw: '0x0', thresholds: NONE },
  ]],
];

describe('parseSensor on every ipmitool sensor output', () => {
  it.each(CASES)('%s', (file, rows, withValue, records) => {
    const parsed = parseSensor(shared(file));
    expect(parsed).toHaveLength(rows);
    expect(parsed.filter((r) => r.value !== null)).toHaveLength(withValue);
    for (const want of records) expect(parsed).toContainEqual(want);
  });

  it.each([`${SIM}/sdr-elist.txt`, `${SIM}/sdr-elist-csv.txt`, `${FIX}/datakit-sdr-dell-r620.txt`, `${SIM}/sensor-get-total-power.txt`])(
    'finds no sensor-table rows in %s (another command)',
    (file) => {
      expect(parseSensor(shared(file))).toEqual([]);
    },
  );
});
