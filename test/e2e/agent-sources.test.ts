import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBmcSim, type BmcSim } from '../helpers/bmc-sim.js';
import { collectAgentMessages, type AgentMessages } from '../helpers/agent-messages.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { fakePowercap } from '../helpers/powercap.js';
import { REPO, spawnAgent, stopChild, waitFor, writeConfig } from '../helpers/spawn-agent.js';

/**
 * The agent end to end with every source it can have here: the fake
 * nvidia-smi replaying the real H100 load capture, the real ipmi_sim BMC over
 * lanplus, and a fake powercap tree, publishing to a real mosquitto. A plain
 * MQTT subscriber must see the fixture's numbers.
 */
describe('agent with GPU, BMC and RAPL sources through mosquitto', () => {
  let broker: Mosquitto;
  let bmc: BmcSim;
  let seen: AgentMessages;
  const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
  let energy = 1_000_000;
  const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 10_000)), 50);

  beforeAll(async () => {
    broker = await startMosquitto();
    bmc = startBmcSim({ portOffset: 300 });
    seen = await collectAgentMessages(broker.url, 'kcloud/v1/#');
  });

  afterAll(async () => {
    clearInterval(ticker);
    await seen?.close();
    await broker?.stop();
    bmc?.stop();
  });

  it('publishes the fixture values of every source', async () => {
    const config = writeConfig(`node: gpu-07
cluster: lab
dataDir: ${join(mkdtempSync(join(tmpdir(), 'kcloud-e2e-')), 'data')}
metrics: { listen: "" }
collectors:
  gpu: { enabled: auto, interval: 500ms, nvidiaSmi: ${join(REPO, 'test/fakes/nvidia-smi')} }
  dcgm: { enabled: false }
  ipmi: { enabled: auto, interval: 1s, interface: lanplus, host: 127.0.0.1, port: ${bmc.port}, username: admin, passwordFile: ${bmc.passwordFile}, timeout: 5s }
  rapl: { enabled: auto, interval: 200ms, root: ${power.root} }
  host: { enabled: true, interval: 1s }
`);
    const agent = spawnAgent(['run', '--config', config], { KCLOUD_MQTT_URL: broker.url, FAKE_NVIDIA_SMI_GPUS: '8' });
    const find = (metric: string, labels: Record<string, string> = {}) =>
      seen.samples.find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
    const raplPowers = () => seen.samples.filter((s) => s.metric === 'rapl_power_watts' && s.labels?.zone === 'package-0').map((s) => s.value);
    try {
      await waitFor(
        // RAPL power is the counter's rate: a reading while this process's ticker was held up by a loaded machine is an honest 0 W, so wait for one after a tick.
        () => !!find('gpu_power_watts', { gpu: '7' }) && !!find('node_power_watts') && raplPowers().some((w) => w > 0) && !!find('host_memory_total_bytes') && !!seen.inventory?.inventory.bmc,
        30_000,
        'samples from all four sources',
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; agent output:\n${agent.logs.join('').slice(-3000)}`, { cause: err });
    } finally {
      await stopChild(agent);
    }
    // nvidia-smi H100 80GB HBM3, driver 590.48.01, load capture.
    expect(find('gpu_power_watts', { gpu: '0' })!.value).toBe(631.95);
    expect(find('gpu_temperature_celsius', { gpu: '3' })!.value).toBe(59);
    expect(find('gpu_memory_used_bytes', { gpu: '0' })!.value).toBe(19818 * 1024 * 1024);
    expect(find('gpu_fan_speed_percent')).toBeUndefined();
    // ipmi_sim defaults (../shared/bmc-sim/sensors.defaults).
    expect(find('ipmi_power_watts', { sensor: 'Total_Power' })!.value).toBe(840);
    expect(find('node_power_watts', { source: 'dcmi' })!.value).toBe(840);
    expect(find('ipmi_temperature_celsius', { sensor: 'Inlet_Temp' })!.value).toBe(24);
    // Never negative or non-finite, whatever the ticker did.
    for (const w of raplPowers()) expect(Number.isFinite(w) && w >= 0).toBe(true);
    expect(JSON.stringify(seen.inventory!.inventory)).toContain('NVIDIA H100 80GB HBM3');
    expect(seen.inventory!.node).toBe('gpu-07');
    // SIGTERM publishes a clean offline status with the sources it ran.
    await waitFor(() => seen.status?.state === 'offline', 10_000, 'offline status after SIGTERM');
    expect(Object.keys(seen.status!.sources ?? {}).sort()).toEqual(expect.arrayContaining(['gpu', 'host', 'ipmi', 'rapl']));
  }, 90_000);
});
