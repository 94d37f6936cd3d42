import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDcmiPowerReading } from '../../../../agent/collectors/ipmi/parse-dcmi.js';
import { parseSdr, type SdrRecord } from '../../../../agent/collectors/ipmi/parse-sdr.js';
import { dcmiSamples, sensorSamples } from '../../../../agent/collectors/ipmi/samples.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { SHARED } from '../../../helpers/spawn-agent.js';

const fixture = (...p: string[]) => readFileSync(join(SHARED, ...p), 'utf8');

describe('monitor API: hardware (IPMI)', () => {
  let api: ApiHub;
  let sim: TestNode;
  let dell: TestNode;
  let plain: TestNode;
  // ipmi_sim's sensors (../shared/bmc-sim) and a Dell R740's `sdr elist`, through the agent's own parser and sample mapping.
  const simSdr = parseSdr(fixture('bmc-sim/sample-output/sdr-elist.txt'));
  const dellSdr = parseSdr(fixture('fixtures/ipmitool/datakit-sdr-elist-dell-r740.txt'));
  const dcmi = parseDcmiPowerReading(fixture('bmc-sim/sample-output/dcmi-power-reading.txt'))!;
  const value = (sdr: SdrRecord[], name: string) => sdr.find((r) => r.name === name)!.value;
  const temps = (sdr: SdrRecord[]) => sdr.filter((r) => r.value !== null && /degrees c/i.test(r.unit)).map((r) => r.value!);

  beforeAll(async () => {
    api = await startApiHub();
    sim = await api.addNode('worker1', 'lab');
    dell = await api.addNode('worker2', 'lab');
    plain = await api.addNode('nobmc', 'lab');
    // Agents announce themselves with a retained status before their first batch.
    for (const n of [sim, dell, plain]) await api.publishStatus(n, { agentVersion: '1.0.0', sources: {} });
    const now = Date.now();
    await api.publishTelemetry(sim, [...sensorSamples(simSdr, now), ...dcmiSamples(dcmi, now), { metric: 'ipmi_up', value: 1, ts: now }], now);
    await api.publishTelemetry(dell, sensorSamples(dellSdr, now), now);
    await api.publishTelemetry(plain, [{ metric: 'host_load1', value: 0.5 }], now);
  });
  afterAll(async () => api?.close());

  it('refuses anonymous requests', async () => {
    for (const path of ['/hardware/ipmi/sensors', '/hardware/ipmi/sensors/worker1', '/hardware/ipmi/power', '/hardware/ipmi/temperature']) {
      expect((await api.request(`/api/v1${path}`, { user: null })).status, path).toBe(401);
    }
  });

  it('groups every node\'s sensors by kind with units', async () => {
    const body = await api.json('/api/v1/hardware/ipmi/sensors');
    expect(body.resource_type).toBe('ipmi_sensors');
    expect(body.data.map((n: { node: string }) => n.node)).toEqual(['worker1', 'worker2']);
    const s = body.data[0].sensors;
    const pick = (list: { name: string; value: number; unit: string }[]) => list.map((r) => [r.name, r.value, r.unit]);
    expect(pick(s.power)).toEqual(['PSU1_Power', 'PSU2_Power', 'Total_Power'].map((n) => [n, value(simSdr, n), 'watts']));
    expect(pick(s.fans)).toEqual(['Fan1', 'Fan2', 'Fan3', 'Fan4'].map((n) => [n, value(simSdr, n), 'rpm']));
    expect(pick(s.voltage)).toEqual(['12V', '5V'].map((n) => [n, value(simSdr, n), 'volts']));
    expect(s.temperature.find((r: { name: string }) => r.name === 'CPU1_Temp')).toMatchObject({ value: value(simSdr, 'CPU1_Temp'), unit: 'celsius', state: 'ok', id: '01h' });
    // GPU4_Temp has no reading (`ns`): not published, so not listed rather than listed as 0.
    expect(s.temperature.map((r: { name: string }) => r.name)).not.toContain('GPU4_Temp');
    expect(body.data[0].bmc_up).toBe(true);
  });

  it('serves one node, empty for a node without a BMC, 404 for an unknown node', async () => {
    const one = await api.json('/api/v1/hardware/ipmi/sensors/worker2');
    expect(one.data.node).toBe('worker2');
    expect(one.data.sensors.temperature.map((r: { value: number }) => r.value).sort()).toEqual(temps(dellSdr).sort());
    const none = await api.json('/api/v1/hardware/ipmi/sensors/nobmc');
    expect(none.data.sensors).toEqual({ power: [], temperature: [], fans: [], voltage: [], current: [], other: [] });
    const res = await api.request('/api/v1/hardware/ipmi/sensors/ghost');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
    expect((await api.request('/api/v1/hardware/ipmi/sensors/bad%20name')).status).toBe(400);
  });

  it('reports DCMI totals and per-PSU power with a summary', async () => {
    const body = await api.json('/api/v1/hardware/ipmi/power');
    expect(body.data).toEqual([
      { node: 'worker1', cluster: 'lab', total_power_watts: dcmi.instantWatts, total_power_source: 'dcmi', psu1_power_watts: value(simSdr, 'PSU1_Power'), psu2_power_watts: value(simSdr, 'PSU2_Power'), psu_redundancy: null },
      expect.objectContaining({ node: 'worker2', total_power_watts: null, total_power_source: null }),
    ]);
    expect(body.summary).toEqual({ total_power_watts: dcmi.instantWatts, node_count: 2, nodes_with_reading: 1 });
    expect((await api.json('/api/v1/hardware/ipmi/power?cluster=elsewhere')).data).toEqual([]);
    const bad = await api.request('/api/v1/hardware/ipmi/power?cluster=-x');
    expect((await bad.json()).error.details.parameter).toBe('cluster');
  });

  it('lists temperatures per node with the maxima', async () => {
    const body = await api.json('/api/v1/hardware/ipmi/temperature');
    const [w1, w2] = body.data;
    expect(w1.sensors.map((r: { value: number }) => r.value).sort()).toEqual(temps(simSdr).sort());
    expect(w1.max_temperature_celsius).toBe(Math.max(...temps(simSdr)));
    expect(w2.max_temperature_celsius).toBe(Math.max(...temps(dellSdr)));
    expect(body.summary).toEqual({ max_temperature_celsius: Math.max(...temps(simSdr), ...temps(dellSdr)), node_count: 2 });
  });
});
