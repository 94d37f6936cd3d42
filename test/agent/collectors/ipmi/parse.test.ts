import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact, connectionArgs } from '../../../../agent/collectors/ipmi/connection.js';
import { parseDcmiPowerReading } from '../../../../agent/collectors/ipmi/parse-dcmi.js';
import { parseSdr } from '../../../../agent/collectors/ipmi/parse-sdr.js';
import { parseSensor } from '../../../../agent/collectors/ipmi/parse-sensor.js';
import { sensorSamples } from '../../../../agent/collectors/ipmi/samples.js';

const SHARED = resolve(import.meta.dirname, '../../../../../shared');
const fixture = (p: string) => readFileSync(`${SHARED}/${p}`, 'utf8');
const lines = (p: string) => fixture(p).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Unable to send')).length;

// [file, expected sensor count, one row checked by eye: name, value, unit, status]
const SDR: [string, number, [string, number | null, string, string]][] = [
  ['bmc-sim/sample-output/sdr-elist.txt', 20, ['Total_Power', 840, 'Watts', 'ok']],
  ['bmc-sim/sample-output/sdr-elist-high-load.txt', 20, ['CPU1_Temp', 92, 'degrees C', 'unc']],
  ['bmc-sim/sample-output/sdr-elist-psu2-pulled.txt', 20, ['PSU2_Power', null, '', 'ns']],
  ['bmc-sim/sample-output/sdr-elist-csv.txt', 20, ['12V', 12.06, 'Volts', 'ok']],
  ['bmc-sim/sample-output/lan15-sdr-elist.txt', 20, ['Fan1', 8400, 'RPM', 'ok']],
  ['fixtures/ipmitool/canonical-sdr-type-power-supply-csv.txt', 3, ['PS Redundancy', null, '', 'ok']],
  ['fixtures/ipmitool/datakit-sdr-dell-r620.txt', lines('fixtures/ipmitool/datakit-sdr-dell-r620.txt'), ['SEL', null, '', 'ns']],
  ['fixtures/ipmitool/datakit-sdr-dell-r740.txt', lines('fixtures/ipmitool/datakit-sdr-dell-r740.txt'), ['Temp', 36, 'degrees C', 'ok']],
  ['fixtures/ipmitool/datakit-sdr-elist-dell-r620.txt', lines('fixtures/ipmitool/datakit-sdr-elist-dell-r620.txt'), ['Intrusion', null, '', 'ok']],
  ['fixtures/ipmitool/datakit-sdr-elist-dell-r740.txt', lines('fixtures/ipmitool/datakit-sdr-elist-dell-r740.txt'), ['Pwr Consumption', 208, 'Watts', 'ok']],
  ['fixtures/ipmitool/datakit-sdr-elist-huawei-rh2288v3.txt', lines('fixtures/ipmitool/datakit-sdr-elist-huawei-rh2288v3.txt'), ['Outlet Temp', 26, 'degrees C', 'ok']],
  ['fixtures/ipmitool/ipmitool-manpage-sdr-type-temperature.txt', 4, ['FntPnl Amb Temp', 24, 'degrees C', 'ok']],
  ['fixtures/ipmitool/openbmc-sdr-elist-all-excerpt.txt', lines('fixtures/ipmitool/openbmc-sdr-elist-all-excerpt.txt'), ['BootProgress', null, '', 'ok']],
  ['fixtures/ipmitool/telegraf-sdr-elist-v2-curated.txt', 7, ['Fan1', 5040, 'RPM', 'ok']],
  ['fixtures/ipmitool/telegraf-sdr-elist-v2-with-errors.txt', 7, ['Power Supply 1', 110, 'Watts', 'ok']],
  ['fixtures/ipmitool/telegraf-sdr-v1-ibm.txt', lines('fixtures/ipmitool/telegraf-sdr-v1-ibm.txt'), ['Avg Power', 210, 'Watts', 'ok']],
  ['fixtures/ipmitool/telegraf-sdr-v1-with-errors.txt', 9, ['Planar 12V', 12.04, 'Volts', 'ok']],
];

describe('ipmitool sdr parser', () => {
  it.each(SDR)('%s', (file, count, [name, value, unit, status]) => {
    const readings = parseSdr(fixture(file));
    expect(readings).toHaveLength(count);
    expect(readings.find((r) => r.name === name)).toMatchObject({ value, unit, status });
  });

  it('reads sensor numbers in hex and keeps discrete state text', () => {
    const [psu] = parseSdr('PSU1_Status      | 40h | ok  | 10.1 | Presence detected\n');
    expect(psu).toEqual({ name: 'PSU1_Status', number: 0x40, status: 'ok', value: null, unit: '', text: 'Presence detected' });
  });

  it('gives duplicate names (Dell "Temp") distinct sensor labels', () => {
    const samples = sensorSamples(parseSdr(fixture('fixtures/ipmitool/datakit-sdr-elist-dell-r740.txt')), 1);
    const temps = samples.filter((s) => s.metric === 'ipmi_temperature_celsius').map((s) => s.labels!.sensor);
    expect(temps).toContain('Temp');
    expect(temps).toContain('Temp 02h');
    expect(new Set(temps).size).toBe(temps.length);
  });

  it('maps units to metrics and states to severities', () => {
    const samples = sensorSamples(parseSdr(fixture('bmc-sim/sample-output/sdr-elist.txt')), 5);
    const get = (metric: string, sensor: string) => samples.find((s) => s.metric === metric && s.labels!.sensor === sensor)?.value;
    expect(get('ipmi_power_watts', 'PSU1_Power')).toBe(430);
    expect(get('ipmi_fan_rpm', 'Fan4')).toBe(8600);
    expect(get('ipmi_voltage_volts', '5V')).toBe(5.05);
    expect(get('ipmi_temperature_celsius', 'GPU4_Temp')).toBeUndefined();
    expect(get('ipmi_sensor_state', 'CPU1_Temp')).toBe(0);
    const feet = sensorSamples(parseSdr('Altitude         | 80 feet           | ok\nX | 1 | cr\n'), 5);
    expect(feet[0]).toEqual({ metric: 'ipmi_sensor_value', labels: { sensor: 'Altitude', unit: 'feet' }, value: 80, ts: 5 });
  });
});

describe('ipmitool sensor parser', () => {
  it.each([
    ['bmc-sim/sample-output/sensor.txt', 'Inlet_Temp', 24, { lcr: 3, lnc: 8, unc: 42, ucr: 47, unr: null }],
    ['bmc-sim/sample-output/sensor-csv.txt', 'CPU1_Temp', 45, { unc: 90, ucr: 95, unr: 100 }],
    ['fixtures/ipmitool/diamond-sensor-hp-proliant-b.txt', 'Power Meter', 270, { ucr: null }],
    ['fixtures/ipmitool/diamond-sensor-hp-proliant-a.txt', '01-Inlet Ambient', 18, { ucr: 42, unr: 46 }],
    ['fixtures/ipmitool/diamond-sensor-supermicro-style.txt', 'CPU1 Temp', null, { ucr: null }],
  ] as const)('%s', (file, name, value, thresholds) => {
    const rows = parseSensor(fixture(file));
    expect(rows).toHaveLength(lines(file));
    expect(rows.find((r) => r.name === name)).toMatchObject({ value, thresholds });
  });

  it('treats discrete sensors as state only', () => {
    const [uid] = parseSensor(fixture('fixtures/ipmitool/diamond-sensor-hp-proliant-a.txt'));
    expect(uid).toMatchObject({ name: 'UID Light', value: null, status: '0x0180' });
  });
});

describe('dcmi power reading parser', () => {
  it.each([
    ['bmc-sim/sample-output/dcmi-power-reading.txt', { instantWatts: 840, avgWatts: 840, samplingPeriodSeconds: 60, active: true }],
    ['bmc-sim/sample-output/dcmi-power-reading-high-load.txt', { instantWatts: 2420, active: true }],
    ['fixtures/ipmitool/telegraf-dcmi-power-reading.txt', { instantWatts: 167, minWatts: 124, maxWatts: 422, avgWatts: 156, samplingPeriodSeconds: 699043, active: true }],
    // Deactivated: the 234 W printed there is not a reading.
    ['fixtures/ipmitool/openbmc-dcmi-power-reading-deactivated.txt', { instantWatts: null, avgWatts: null, active: false }],
  ] as const)('%s', (file, want) => {
    expect(parseDcmiPowerReading(fixture(file))).toMatchObject(want);
  });
});

describe('connection and secrets', () => {
  it('builds lanplus arguments with the password in a file, never inline', () => {
    const args = connectionArgs({ ipmitool: 'ipmitool', interface: 'lanplus', host: '10.1.2.3', port: 623, username: 'admin', passwordFile: '/etc/kcloud/bmc.pw', cipherSuite: 3 });
    expect(args).toEqual(['-I', 'lanplus', '-H', '10.1.2.3', '-p', '623', '-C', '3', '-U', 'admin', '-f', '/etc/kcloud/bmc.pw', '-N', '2', '-R', '1']);
    expect(connectionArgs({ ipmitool: 'ipmitool', interface: 'open', host: '', port: 623, username: '', passwordFile: '', cipherSuite: 3 })).toEqual(['-I', 'open']);
  });

  it('redacts passwords from command lines and errors', () => {
    expect(redact('ipmitool -I lanplus -H h -U admin -P s3cret sdr elist failed')).toBe('ipmitool -I lanplus -H h -U admin -P [redacted] sdr elist failed');
    expect(redact('env IPMI_PASSWORD=hunter2 ipmitool -E')).toBe('env IPMI_PASSWORD=[redacted] ipmitool -E');
  });
});
