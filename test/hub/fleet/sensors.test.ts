import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSdr } from '../../../agent/collectors/ipmi/parse-sdr.js';
import { sensorSamples } from '../../../agent/collectors/ipmi/samples.js';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import { nodeSensors, psuPower, type SensorReading } from '../../../hub/fleet/sensors.js';
import { SHARED } from '../../helpers/spawn-agent.js';

const NOW = 1_800_000_000_000;
const SINCE = NOW - 60_000;

/** The agent's samples for a real `sdr elist` output, labelled as the hub stores them. */
function sdrRows(file: string, node: string, ts = NOW) {
  return sensorSamples(parseSdr(readFileSync(file, 'utf8')), ts).map((s) => ({ metric: s.metric, labels: { ...s.labels, node, cluster: 'lab' }, ts, value: s.value }));
}

describe('nodeSensors', () => {
  it('groups the ipmi_sim BMC sensors by kind, with units and threshold states', () => {
    const latest = new LatestValues();
    latest.update(sdrRows(join(SHARED, 'bmc-sim/sample-output/sdr-elist.txt'), 'bmc-node'));
    latest.update([{ metric: 'node_power_watts', labels: { node: 'bmc-node', cluster: 'lab', source: 'dcmi' }, ts: NOW, value: 840 }]);
    const [n] = nodeSensors(latest, SINCE);
    expect(n!.node).toBe('bmc-node');
    expect(n!.dcmiPowerWatts).toBe(840);
    const names = (rs: SensorReading[]) => rs.map((r) => `${r.name}=${r.value} ${r.unit}`);
    expect(names(n!.sensors.power)).toEqual(['PSU1_Power=430 watts', 'PSU2_Power=410 watts', 'Total_Power=840 watts']);
    expect(names(n!.sensors.fans)).toEqual(['Fan1=8400 rpm', 'Fan2=8500 rpm', 'Fan3=8300 rpm', 'Fan4=8600 rpm']);
    expect(names(n!.sensors.voltage)).toEqual(expect.arrayContaining(['12V=12.06 volts', '5V=5.05 volts']));
    expect(n!.sensors.temperature.find((r) => r.name === 'CPU1_Temp')).toMatchObject({ value: 45, unit: 'celsius', state: 'ok', id: expect.stringMatching(/h$/) });
  });

  it('leaves stale readings out but keeps the node, and filters by node and cluster', () => {
    const latest = new LatestValues();
    latest.update(sdrRows(join(SHARED, 'bmc-sim/sample-output/sdr-elist.txt'), 'old', SINCE - 1));
    latest.update(sdrRows(join(SHARED, 'bmc-sim/sample-output/sdr-elist.txt'), 'new'));
    const all = nodeSensors(latest, SINCE);
    expect(all.map((n) => [n.node, n.sensors.power.length])).toEqual([
      ['new', 3],
      ['old', 0],
    ]);
    expect(nodeSensors(latest, SINCE, { node: 'new' }).map((n) => n.node)).toEqual(['new']);
    expect(nodeSensors(latest, SINCE, { cluster: 'elsewhere' })).toEqual([]);
  });
});

describe('psuPower', () => {
  const r = (name: string, value: number): SensorReading => ({ name, id: null, value, unit: 'watts', state: null, ts: NOW });
  it.each([
    ['ipmi_sim', ['PSU1_Power', 'PSU2_Power', 'Total_Power'], { 1: 'PSU1_Power', 2: 'PSU2_Power' }],
    ['HP', ['Power Supply 1', 'Power Supply 2', 'Power Meter'], { 1: 'Power Supply 1', 2: 'Power Supply 2' }],
    ['Dell output', ['PS 1 Output', 'PS 2 Output', 'PwrMeter Output'], { 1: 'PS 1 Output', 2: 'PS 2 Output' }],
    ['input over output', ['PS1 Output Power', 'PS1 Input Power', 'PSU2 PIN', 'PSU2 POUT'], { 1: 'PS1 Input Power', 2: 'PSU2 PIN' }],
  ] as const)('%s', (_vendor, names, want) => {
    const got = psuPower(names.map((n, i) => r(n, 100 + i)));
    expect(Object.fromEntries([...got].map(([k, v]) => [k, v.name]))).toEqual(want);
  });
});
