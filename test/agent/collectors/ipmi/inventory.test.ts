import { describe, expect, it } from 'vitest';
import { thresholdsOf } from '../../../../agent/collectors/ipmi/inventory.js';
import { shared } from './fixtures.js';

describe('thresholdsOf', () => {
  it('keeps the thresholds the BMC set, per sensor (ipmi_sim `sensor`: 16 sensors have some, GPU4 and the discrete ones none)', () => {
    const t = thresholdsOf(shared('bmc-sim/sample-output/sensor.txt'));
    expect(t).toHaveLength(16);
    expect(t).toContainEqual({ sensor: 'Inlet_Temp', unit: 'degrees C', lcr: 3, lnc: 8, unc: 42, ucr: 47 });
    expect(t).toContainEqual({ sensor: 'Fan1', unit: 'RPM', lnr: 300, lcr: 500, lnc: 800 });
    expect(t.map((x) => x.sensor)).not.toContain('GPU4_Temp');
    expect(t.map((x) => x.sensor)).not.toContain('PSU1_Status');
  });

  it('reads them from HP iLO tables too, where most sensors have only ucr/unr', () => {
    const t = thresholdsOf(shared('fixtures/ipmitool/diamond-sensor-hp-proliant-a.txt'));
    // 13 temperature rows, each with a ucr; UID/Health/Fan/PSU/Memory rows have none.
    expect(t).toHaveLength(13);
    expect(t).toContainEqual({ sensor: '01-Inlet Ambient', unit: 'degrees C', ucr: 42, unr: 46 });
    expect(t).toContainEqual({ sensor: '04-HD Max', unit: '', ucr: 60 });
  });
});
