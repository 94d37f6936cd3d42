import { describe, expect, it } from 'vitest';
import { parseSdr, type SdrRecord } from '../../../../agent/collectors/ipmi/parse-sdr.js';
import { shared } from './fixtures.js';

const SIM = 'bmc-sim/sample-output';
const FIX = 'fixtures/ipmitool';

// Every `sdr` / `sdr elist` / `sdr elist all` / `sdr type` / `-c` file: rows, rows with a numeric reading
// (both counted by eye / awk on the file), and whole records read off the file.
const CASES: [file: string, rows: number, withValue: number, records: SdrRecord[]][] = [
  [`${SIM}/sdr-elist.txt`, 20, 16, [
    { name: 'CPU1_Temp', sensorNumber: 0x01, status: 'ok', entityId: '3.1', value: 45, unit: 'degrees C', raw: '45 degrees C' },
    { name: 'GPU4_Temp', sensorNumber: 0x08, status: 'ns', entityId: '11.4', value: null, unit: '', raw: 'No Reading' },
    { name: '12V', sensorNumber: 0x18, status: 'ok', entityId: '7.1', value: 12.06, unit: 'Volts', raw: '12.06 Volts' },
    { name: 'PSU_Redundancy', sensorNumber: 0x42, status: 'ok', entityId: '19.1', value: null, unit: '', raw: 'Fully Redundant' },
  ]],
  [`${SIM}/sdr-elist-all.txt`, 22, 16, [
    { name: 'BMC', sensorNumber: 0x00, status: 'ok', entityId: '6.1', value: null, unit: '', raw: 'Dynamic MC @ 20h' },
    { name: 'Watchdog', sensorNumber: 0x00, status: 'ns', entityId: '6.1', value: null, unit: '', raw: 'Event-Only' },
    { name: 'Total_Power', sensorNumber: 0x32, status: 'ok', entityId: '21.1', value: 840, unit: 'Watts', raw: '840 Watts' },
  ]],
  [`${SIM}/sdr-elist-csv.txt`, 20, 16, [
    { name: 'CPU1_Temp', status: 'ok', value: 45, unit: 'degrees C', raw: '45 degrees C' },
    { name: '12V', status: 'ok', value: 12.06, unit: 'Volts', raw: '12.060 Volts' },
    { name: 'GPU4_Temp', status: 'ns', value: null, unit: '', raw: '' },
    { name: 'PSU2_Status', sensorNumber: 0x41, status: 'ok', entityId: '10.2', value: null, unit: '', raw: 'Presence detected' },
  ]],
  [`${SIM}/sdr-type-temperature.txt`, 8, 7, [
    { name: 'Inlet_Temp', sensorNumber: 0x03, status: 'ok', entityId: '55.1', value: 24, unit: 'degrees C', raw: '24 degrees C' },
  ]],
  [`${SIM}/sdr-type-power-supply.txt`, 4, 2, [
    { name: 'PSU2_Power', sensorNumber: 0x31, status: 'ok', entityId: '10.2', value: 410, unit: 'Watts', raw: '410 Watts' },
    { name: 'PSU1_Status', sensorNumber: 0x40, status: 'ok', entityId: '10.1', value: null, unit: '', raw: 'Presence detected' },
  ]],
  [`${SIM}/lan15-sdr-elist.txt`, 20, 16, [
    { name: 'Fan1', sensorNumber: 0x10, status: 'ok', entityId: '29.1', value: 8400, unit: 'RPM', raw: '8400 RPM' },
  ]],
  [`${SIM}/sdr-elist-high-load.txt`, 20, 16, [
    { name: 'CPU1_Temp', sensorNumber: 0x01, status: 'unc', entityId: '3.1', value: 92, unit: 'degrees C', raw: '92 degrees C' },
    { name: 'Fan3', sensorNumber: 0x12, status: 'lcr', entityId: '29.3', value: 400, unit: 'RPM', raw: '400 RPM' },
    { name: 'Total_Power', sensorNumber: 0x32, status: 'ok', entityId: '21.1', value: 2420, unit: 'Watts', raw: '2420 Watts' },
  ]],
  [`${SIM}/sdr-elist-psu2-pulled.txt`, 20, 15, [
    { name: 'PSU2_Power', sensorNumber: 0x31, status: 'ns', entityId: '10.2', value: null, unit: '', raw: 'Disabled' },
    // `PSU2_Status      | 41h | ok  | 10.2 | ` -- no state asserted: the reading is empty.
    { name: 'PSU2_Status', sensorNumber: 0x41, status: 'ok', entityId: '10.2', value: null, unit: '', raw: '' },
    { name: 'PSU_Redundancy', sensorNumber: 0x42, status: 'ok', entityId: '19.1', value: null, unit: '', raw: 'Redundancy Lost' },
    { name: 'Total_Power', sensorNumber: 0x32, status: 'ok', entityId: '21.1', value: 1240, unit: 'Watts', raw: '1240 Watts' },
  ]],
  [`${FIX}/canonical-sdr-type-power-supply-csv.txt`, 3, 0, [
    { name: 'PS Redundancy', sensorNumber: 0x77, status: 'ok', entityId: '7.1', value: null, unit: '', raw: 'Fully Redundant' },
    { name: 'Status', sensorNumber: 0x86, status: 'ok', entityId: '10.2', value: null, unit: '', raw: 'Presence detected' },
  ]],
  [`${FIX}/datakit-sdr-dell-r620.txt`, 139, 21, [
    { name: 'SEL', status: 'ns', value: null, unit: '', raw: 'Not Readable' },
    { name: 'Intrusion', status: 'ok', value: null, unit: '', raw: '0x00' },
    { name: 'Current 1', status: 'ok', value: 0.4, unit: 'Amps', raw: '0.40 Amps' },
    { name: 'Current 2', status: 'ns', value: null, unit: '', raw: 'no reading' },
    { name: 'Pwr Consumption', status: 'ok', value: 98, unit: 'Watts', raw: '98 Watts' },
  ]],
  [`${FIX}/datakit-sdr-dell-r740.txt`, 199, 19, [
    { name: 'Temp', status: 'ok', value: 36, unit: 'degrees C', raw: '36 degrees C' },
    { name: 'Current 1', status: 'ok', value: 1, unit: 'Amps', raw: '1 Amps' },
    { name: 'IO Usage', status: 'ok', value: 0, unit: 'percent', raw: '0 percent' },
    { name: 'GPU1 Temp', status: 'ns', value: null, unit: '', raw: 'disabled' },
  ]],
  [`${FIX}/datakit-sdr-elist-dell-r620.txt`, 139, 21, [
    { name: 'SEL', sensorNumber: 0x72, status: 'ns', entityId: '7.1', value: null, unit: '', raw: 'No Reading' },
    { name: 'Intrusion', sensorNumber: 0x73, status: 'ok', entityId: '7.1', value: null, unit: '', raw: '' },
    { name: 'Current 1', sensorNumber: 0x6a, status: 'ok', entityId: '10.1', value: 0.4, unit: 'Amps', raw: '0.40 Amps' },
    { name: 'Fan7A RPM', sensorNumber: 0x3c, status: 'ok', entityId: '7.1', value: 2520, unit: 'RPM', raw: '2520 RPM' },
    { name: 'B', sensorNumber: 0xcc, status: 'ok', entityId: '32.1', value: null, unit: '', raw: 'Presence Detected' },
  ]],
  [`${FIX}/datakit-sdr-elist-dell-r740.txt`, 199, 19, [
    { name: 'Temp', sensorNumber: 0x01, status: 'ok', entityId: '3.1', value: 34, unit: 'degrees C', raw: '34 degrees C' },
    { name: 'Pwr Consumption', sensorNumber: 0x76, status: 'ok', entityId: '7.1', value: 208, unit: 'Watts', raw: '208 Watts' },
    { name: 'Unresp sensor', sensorNumber: 0xfe, status: 'ok', entityId: '7.1', value: null, unit: '', raw: '' },
    { name: 'CPU Usage', sensorNumber: 0x80, status: 'ok', entityId: '7.1', value: 1, unit: 'percent', raw: '1 percent' },
  ]],
  // Entity instances above 9 widen the column: ` 7.96 `, `32.100`, `11.101`.
  [`${FIX}/datakit-sdr-elist-huawei-rh2288v3.txt`, 146, 6, [
    { name: 'Inlet Temp', sensorNumber: 0x01, status: 'ok', entityId: '7.96', value: 18, unit: 'degrees C', raw: '18 degrees C' },
    { name: 'DIMM011', sensorNumber: 0x36, status: 'ns', entityId: '32.100', value: null, unit: '', raw: 'No Reading' },
    { name: 'Power', sensorNumber: 0x25, status: 'ok', entityId: '7.96', value: 36, unit: 'Watts', raw: '36 Watts' },
    { name: 'ACPI State', sensorNumber: 0x4a, status: 'ok', entityId: '7.96', value: null, unit: '', raw: 'S4/S5: soft-off' },
    { name: 'PCIE Status', sensorNumber: 0x55, status: 'ns', entityId: '11.101', value: null, unit: '', raw: 'No Reading' },
  ]],
  [`${FIX}/ipmitool-manpage-sdr-type-temperature.txt`, 4, 4, [
    { name: 'Processor2 Temp', sensorNumber: 0x99, status: 'ok', entityId: '3.2', value: 53, unit: 'degrees C', raw: '53 degrees C' },
  ]],
  [`${FIX}/openbmc-sdr-elist-all-excerpt.txt`, 13, 0, [
    // `BootProgress     | 03h | ok  | 34.2 |` -- nothing after the last separator.
    { name: 'BootProgress', sensorNumber: 0x03, status: 'ok', entityId: '34.2', value: null, unit: '', raw: '' },
    { name: 'occ0', sensorNumber: 0x08, status: 'ok', entityId: '210.1', value: null, unit: '', raw: 'Device Disabled' },
    { name: 'fan3', sensorNumber: 0x00, status: 'ns', entityId: '29.4', value: null, unit: '', raw: 'Logical FRU @35h' },
  ]],
  [`${FIX}/telegraf-sdr-elist-v2-curated.txt`, 7, 4, [
    { name: 'Current 1', sensorNumber: 0x6a, status: 'ok', entityId: '10.1', value: 7.2, unit: 'Amps', raw: '7.20 Amps' },
    { name: 'Power Supply 1', sensorNumber: 0x03, status: 'ok', entityId: '10.1', value: 110, unit: 'Watts', raw: '110 Watts, Presence detected' },
  ]],
  // Interleaved stderr (`Unable to send command: Invalid argument`) is no sensor row.
  [`${FIX}/telegraf-sdr-elist-v2-with-errors.txt`, 7, 4, [
    { name: 'USB Cable Pres', sensorNumber: 0x50, status: 'ok', entityId: '7.1', value: null, unit: '', raw: 'Connected' },
  ]],
  [`${FIX}/telegraf-sdr-v1-ibm.txt`, 133, 13, [
    { name: 'Altitude', status: 'ok', value: 80, unit: 'feet', raw: '80 feet' },
    { name: 'Planar VBAT', status: 'ok', value: 3.05, unit: 'Volts', raw: '3.05 Volts' },
    { name: 'DASD Backplane 3', status: 'ns', value: null, unit: '', raw: 'Not Readable' },
  ]],
  [`${FIX}/telegraf-sdr-v1-with-errors.txt`, 9, 6, [
    { name: 'Planar 12V', status: 'ok', value: 12.04, unit: 'Volts', raw: '12.04 Volts' },
    { name: 'ECC Uncorr Err', status: 'ns', value: null, unit: '', raw: 'Not Readable' },
  ]],
];

describe('parseSdr on every ipmitool sdr output', () => {
  it.each(CASES)('%s', (file, rows, withValue, records) => {
    const parsed = parseSdr(shared(file));
    expect(parsed).toHaveLength(rows);
    expect(parsed.filter((r) => r.value !== null)).toHaveLength(withValue);
    for (const want of records) expect(parsed).toContainEqual(want);
  });

  it('keeps rows in order, including repeated names (Dell "Temp" 0Eh and 0Fh)', () => {
    const temps = parseSdr(shared(`${FIX}/datakit-sdr-elist-dell-r620.txt`)).filter((r) => r.name === 'Temp');
    expect(temps.map((r) => [r.sensorNumber, r.entityId, r.value])).toEqual([
      [0x0e, '3.1', 47],
      [0x0f, '3.2', 45],
    ]);
  });

  it('reads CSV states that ipmitool joins with ", " across cells (print_csv_discrete)', () => {
    // Format from lib/ipmi_sdr.c: "%02Xh,ok,%d.%d," then the asserted states joined by ", ".
    const [row] = parseSdr('PSU1_Status,40h,ok,10.1,Presence detected, Power Supply AC lost\n');
    expect(row).toEqual({ name: 'PSU1_Status', sensorNumber: 0x40, status: 'ok', entityId: '10.1', value: null, unit: '', raw: 'Presence detected, Power Supply AC lost' });
    // A non-threshold sensor with an analog value: "%s,%s," value and unit, then "ok,%d.%d," and the states.
    const [psu] = parseSdr('Power Supply 1,110,Watts,ok,10.1,Presence detected\n');
    expect(psu).toEqual({ name: 'Power Supply 1', status: 'ok', entityId: '10.1', value: 110, unit: 'Watts', raw: '110 Watts' });
  });

  it.each([
    `${SIM}/sensor.txt`,
    `${SIM}/sensor-csv.txt`,
    `${SIM}/sensor-get-total-power.txt`,
    `${SIM}/dcmi-power-reading.txt`,
    `${SIM}/mc-info.txt`,
    `${SIM}/fru-print.txt`,
    `${FIX}/ceilometer-sdr-v-type-voltage-intel-s2600.txt`,
    `${FIX}/diamond-sensor-hp-proliant-b.txt`,
  ])('finds no sensor rows in %s (another command)', (file) => {
    expect(parseSdr(shared(file))).toEqual([]);
  });
});
