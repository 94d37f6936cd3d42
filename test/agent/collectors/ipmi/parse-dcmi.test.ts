import { describe, expect, it } from 'vitest';
import { parseDcmiPowerReading, type DcmiPowerReading } from '../../../../agent/collectors/ipmi/parse-dcmi.js';
import { shared } from './fixtures.js';

// Every `ipmitool dcmi power reading` output, with the values read off the file.
const CASES: [file: string, want: DcmiPowerReading | null][] = [
  // ipmitool 1.8.19: indented, `Sampling period` on the timestamp's line.
  ['bmc-sim/sample-output/dcmi-power-reading.txt', { instantWatts: 840, minWatts: 840, maxWatts: 840, avgWatts: 840, samplingPeriodSeconds: 60, active: true }],
  ['bmc-sim/sample-output/dcmi-power-reading-high-load.txt', { instantWatts: 2420, minWatts: 840, maxWatts: 2420, avgWatts: 1367, samplingPeriodSeconds: 60, active: true }],
  ['fixtures/ipmitool/telegraf-dcmi-power-reading.txt', { instantWatts: 167, minWatts: 124, maxWatts: 422, avgWatts: 156, samplingPeriodSeconds: 699043, active: true }],
  // Deactivated (OpenBMC, 1970 timestamp): the 234 W printed there are no reading.
  ['fixtures/ipmitool/openbmc-dcmi-power-reading-deactivated.txt', { instantWatts: null, minWatts: null, maxWatts: null, avgWatts: null, samplingPeriodSeconds: 0, active: false }],
  // Stock ipmi_sim: `DCMI request failed because: Invalid command (c1)`.
  ['bmc-sim/sample-output/dcmi-power-reading-stock-ipmi_sim.txt', null],
];

describe('parseDcmiPowerReading', () => {
  it.each(CASES)('%s', (file, want) => {
    expect(parseDcmiPowerReading(shared(file))).toEqual(want);
  });

  it('reads the named sampling periods ipmitool prints when given a sample time (`5_sec `, `1_hour `)', () => {
    // lib/ipmi_dcmi.c: printf("%s \n", val2str2(val.sample, dcmi_sampling_vals)) for `dcmi power reading 1_hour`.
    const text = shared('fixtures/ipmitool/telegraf-dcmi-power-reading.txt').replace(/Sampling period:\s+\S+ Seconds\./, 'Sampling period:                          1_hour ');
    expect(parseDcmiPowerReading(text)?.samplingPeriodSeconds).toBe(3600);
    expect(parseDcmiPowerReading(text.replace('1_hour', '5_sec'))?.samplingPeriodSeconds).toBe(5);
  });

  it('treats 65535 W (0xFFFF, "no meter") as no reading', () => {
    const text = shared('fixtures/ipmitool/telegraf-dcmi-power-reading.txt').replace(/Instantaneous power reading:(\s+)167/, 'Instantaneous power reading:$165535');
    expect(parseDcmiPowerReading(text)).toMatchObject({ instantWatts: null, minWatts: 124, active: true });
  });
});
