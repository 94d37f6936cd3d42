import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, type Sample } from '../../shared/schema/message.js';
import { freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { REPO, spawnAgent, stopChild, waitFor, writeConfig } from '../helpers/spawn-agent.js';

/** NODE_OPTIONS exactly as systemd/kcloud-agent.service sets them. */
function unitNodeOptions(): string {
  const unit = readFileSync(join(REPO, 'systemd/kcloud-agent.service'), 'utf8');
  const m = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit);
  if (!m) throw new Error('systemd/kcloud-agent.service sets no NODE_OPTIONS');
  return m[1]!;
}

/**
 * The unit runs the agent with V8 flags (--jitless: no optimizing compiler,
 * no WebAssembly) that the rest of the suite does not use; this runs the
 * agent under them, with a GPU source, and scrapes its /metrics, whose
 * renderer is loaded on the first scrape.
 */
describe('the agent under the systemd unit NODE_OPTIONS', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('publishes GPU telemetry and serves /metrics', async () => {
    const options = unitNodeOptions();
    expect(options).toContain('--jitless');
    const samples: Sample[] = [];
    const sub = mqtt.connect(broker.url);
    sub.on('message', (_t, payload) => {
      const m = decodeMessage('telemetry', payload);
      if (m.ok) samples.push(...m.value.samples);
    });
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('kcloud/v1/lab/unit-01/telemetry', { qos: 1 });
    const port = await freePort();
    const config = writeConfig(`node: unit-01
cluster: lab
dataDir: ${join(mkdtempSync(join(tmpdir(), 'kcloud-unit-')), 'data')}
mqtt: { url: "${broker.url}" }
metrics: { listen: "127.0.0.1:${port}" }
collectors:
  gpu: { enabled: true, interval: 500ms, nvidiaSmi: ${join(REPO, 'test/fakes/nvidia-smi')} }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  rapl: { enabled: false }
  host: { enabled: false }
`);
    const agent = spawnAgent(['run', '--config', config], { NODE_OPTIONS: options, FAKE_NVIDIA_SMI_GPUS: '2' });
    try {
      await waitFor(() => samples.some((s) => s.metric === 'gpu_power_watts' && s.labels?.gpu === '1'), 30_000, 'GPU samples from the agent');
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      // nvidia-smi H100 80GB HBM3, driver 590.48.01, load capture: 631.95 W.
      expect(await res.text()).toMatch(/^DCGM_FI_DEV_POWER_USAGE\{gpu="1",[^}]*\} 631\.95$/m);
    } catch (err) {
      throw new Error(`${(err as Error).message}; agent output:\n${agent.logs.join('').slice(-3000)}`, { cause: err });
    } finally {
      await stopChild(agent);
      await sub.endAsync();
    }
    expect(samples.find((s) => s.metric === 'gpu_power_watts' && s.labels?.gpu === '0')!.value).toBe(631.95);
    expect(agent.exitCode).toBe(0);
  }, 60_000);
});
