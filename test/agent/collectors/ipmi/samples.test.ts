import { describe, expect, it } from 'vitest';
import { parseDcmiPowerReading } from '../../../../agent/collectors/ipmi/parse-dcmi.js';
import { parseSdr } from '../../../../agent/collectors/ipmi/parse-sdr.js';
import { dcmiSamples, sensorSamples } from '../../../../agent/collectors/ipmi/samples.js';
import type { Sample } from '../../../../agent/collectors/types.js';
import { metricDef } from '../../../../shared/metrics/index.js';
import { shared } from './fixtures.js';

const TS = 1_700_000_000_000;
const find = (samples: Sample[], metric: string, sensor: string) => samples.filter((s) => s.metric === metric && s.labels?.sensor === sensor);

describe('sensorSamples', () => {
  it('maps every reading of the ipmi_sim SDR to its catalogue metric (values from sdr-elist.txt)', () => {
    const samples = sensorSamples(parseSdr(shared('bmc-sim/sample-output/sdr-elist.txt')), TS);
    const values = Object.fromEntries(samples.filter((s) => s.metric !== 'ipmi_sensor_state').map((s) => [`${s.metric}/${s.labels!.sensor}/${s.labels!.id}`, s.value]));
    expect(values).toEqual({
      'ipmi_temperature_celsius/CPU1_Temp/01h': 45,
      'ipmi_temperature_celsius/CPU2_Temp/02h': 43,
      'ipmi_temperature_celsius/Inlet_Temp/03h': 24,
      'ipmi_temperature_celsius/Exhaust_Temp/04h': 38,
      'ipmi_temperature_celsius/GPU1_Temp/05h': 41,
      'ipmi_temperature_celsius/GPU2_Temp/06h': 43,
      'ipmi_temperature_celsius/GPU3_Temp/07h': 40,
      'ipmi_fan_rpm/Fan1/10h': 8400,
      'ipmi_fan_rpm/Fan2/11h': 8500,
      'ipmi_fan_rpm/Fan3/12h': 8300,
      'ipmi_fan_rpm/Fan4/13h': 8600,
      'ipmi_voltage_volts/12V/18h': 12.06,
      'ipmi_voltage_volts/5V/19h': 5.05,
      'ipmi_power_watts/PSU1_Power/30h': 430,
      'ipmi_power_watts/PSU2_Power/31h': 410,
      'ipmi_power_watts/Total_Power/32h': 840,
    });
    // GPU4_Temp reads `No Reading`: absent, never 0.
    expect(samples.filter((s) => s.labels?.sensor === 'GPU4_Temp')).toEqual([]);
    expect(samples.every((s) => s.ts === TS && metricDef(s.metric) !== undefined)).toBe(true);
  });

  it('turns threshold states into 0 ok / 1 non-critical / 2 critical (high-load: CPU1 unc, Fan3 lcr)', () => {
    const samples = sensorSamples(parseSdr(shared('bmc-sim/sample-output/sdr-elist-high-load.txt')), TS);
    expect(find(samples, 'ipmi_sensor_state', 'CPU1_Temp')).toEqual([{ metric: 'ipmi_sensor_state', labels: { sensor: 'CPU1_Temp', id: '01h' }, value: 1, ts: TS }]);
    expect(find(samples, 'ipmi_sensor_state', 'Fan3')[0]?.value).toBe(2);
    expect(find(samples, 'ipmi_sensor_state', 'Fan4')[0]?.value).toBe(0);
    // Discrete sensors carry no threshold state.
    expect(find(samples, 'ipmi_sensor_state', 'PSU_Redundancy')).toEqual([]);
  });

  it('keeps the BMC name and tells repeated names apart by sensor number (Dell R620 "Temp" 0Eh, 0Fh)', () => {
    const samples = sensorSamples(parseSdr(shared('fixtures/ipmitool/datakit-sdr-elist-dell-r620.txt')), TS);
    expect(find(samples, 'ipmi_temperature_celsius', 'Temp').map((s) => [s.labels!.id, s.value])).toEqual([
      ['0Eh', 47],
      ['0Fh', 45],
    ]);
    expect(find(samples, 'ipmi_current_amperes', 'Current 1')[0]?.value).toBe(0.4);
  });

  it('sends other units as ipmi_sensor_value{unit} (Dell R740 percent, IBM feet)', () => {
    const dell = sensorSamples(parseSdr(shared('fixtures/ipmitool/datakit-sdr-elist-dell-r740.txt')), TS);
    expect(find(dell, 'ipmi_sensor_value', 'SYS Usage')).toEqual([{ metric: 'ipmi_sensor_value', labels: { sensor: 'SYS Usage', id: '7Fh', unit: 'percent' }, value: 2, ts: TS }]);
    const ibm = sensorSamples(parseSdr(shared('fixtures/ipmitool/telegraf-sdr-v1-ibm.txt')), TS);
    // `sdr list` has no sensor numbers: no id label.
    expect(find(ibm, 'ipmi_sensor_value', 'Altitude')).toEqual([{ metric: 'ipmi_sensor_value', labels: { sensor: 'Altitude', unit: 'feet' }, value: 80, ts: TS }]);
  });

  it('converts degrees F to the catalogue unit, celsius', () => {
    const [f] = sensorSamples(parseSdr('Ambient Temp     | 20h | ok  |  7.1 | 95 degrees F\n'), TS);
    expect(f).toMatchObject({ metric: 'ipmi_temperature_celsius', value: 35 });
  });
});

describe('dcmiSamples', () => {
  it('sends node_power_watts{source="dcmi"} from the instantaneous reading', () => {
    const r = parseDcmiPowerReading(shared('bmc-sim/sample-output/dcmi-power-reading-high-load.txt'));
    expect(dcmiSamples(r, TS)).toEqual([{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 2420, ts: TS }]);
  });

  it('sends nothing for a deactivated reading or a BMC without DCMI', () => {
    expect(dcmiSamples(parseDcmiPowerReading(shared('fixtures/ipmitool/openbmc-dcmi-power-reading-deactivated.txt')), TS)).toEqual([]);
    expect(dcmiSamples(parseDcmiPowerReading(shared('bmc-sim/sample-output/dcmi-power-reading-stock-ipmi_sim.txt')), TS)).toEqual([]);
  });
});
