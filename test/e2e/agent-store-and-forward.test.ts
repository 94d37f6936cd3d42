import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../shared/schema/message.js';
import { readStateFile } from '../../agent/state-file.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { fakePowercap } from '../helpers/powercap.js';
import { spawnAgent, waitFor, writeConfig } from '../helpers/spawn-agent.js';

/**
 * The part that must not fail: with a real mosquitto stopped and restarted,
 * and the agent killed with SIGKILL and restarted, a subscriber ends up with
 * every seq (after de-dup) and nothing is left in the outbox.
 */
describe('agent store-and-forward through a real mosquitto', () => {
  let broker: Mosquitto;
  let sub: mqtt.MqttClient;
  const seqs = new Set<number>();
  const statuses: string[] = [];
  let duplicates = 0;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-snf-'));
  const dataDir = join(dir, 'data');
  const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
  let energy = 1_000_000;
  const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 50_000)), 50);

  beforeAll(async () => {
    // Persistence lets the subscriber's QoS 1 session survive the broker restart, like a real consumer's.
    broker = await startMosquitto(`persistence true\npersistence_location ${dir}/\nautosave_interval 1\n`);
    sub = mqtt.connect(broker.url, { clientId: 'snf-test-sub', clean: false, reconnectPeriod: 200 });
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('kcloud/v1/lab/node-a/#', { qos: 1 });
    sub.on('message', (topic, payload) => {
      if (topic.endsWith('/status')) {
        const m = decodeMessage('status', payload);
        if (m.ok) statuses.push(m.value.state);
        return;
      }
      if (!topic.endsWith('/telemetry')) return;
      const m = decodeMessage('telemetry', payload);
      expect(m.ok).toBe(true);
      if (!m.ok) return;
      if (seqs.has(m.value.seq)) duplicates += 1;
      seqs.add(m.value.seq);
    });
  });

  afterAll(async () => {
    clearInterval(ticker);
    await sub?.endAsync();
    await broker?.stop();
  });

  const contiguous = () => {
    if (seqs.size === 0) return false;
    const sorted = [...seqs].sort((a, b) => a - b);
    return sorted[sorted.length - 1]! - sorted[0]! + 1 === sorted.length;
  };
  const outboxDepth = () => readStateFile(dataDir)?.outbox.depth ?? -1;

  const config = writeConfig(`node: node-a
cluster: lab
dataDir: ${dataDir}
mqtt: { replayRate: 200 }
metrics: { listen: "" }
collectors:
  gpu: { enabled: false }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  host: { enabled: false }
  rapl: { enabled: true, interval: 100ms, root: ${power.root} }
`);

  it('loses no batch across a broker outage and an agent kill -9', async () => {
    // The broker's port is only known now: the env override exercises KCLOUD_<PATH> as well.
    const env = () => ({ KCLOUD_MQTT_URL: broker.url });
    let agent = spawnAgent(['run', '--config', config], env());
    try {
      await waitFor(() => seqs.size >= 3, 20_000, 'first telemetry batches');

      // Broker outage: the agent keeps collecting into its outbox.
      await broker.stop();
      const beforeOutage = Math.max(...seqs);
      await new Promise((r) => setTimeout(r, 4000));
      const state = readStateFile(dataDir)!;
      expect(state.broker.connected).toBe(false);
      expect(state.outbox.depth).toBeGreaterThanOrEqual(2);
      await broker.start();
      await waitFor(() => outboxDepth() === 0 && contiguous() && Math.max(...seqs) > beforeOutage + 2, 30_000, 'backlog drained after broker restart');

      // kill -9 mid-stream: the Last Will says offline, a restart resumes with higher seqs.
      const beforeKill = Math.max(...seqs);
      agent.kill('SIGKILL');
      await new Promise((r) => agent.once('exit', r));
      await waitFor(() => statuses.at(-1) === 'offline', 15_000, 'Last Will offline status');
      agent = spawnAgent(['run', '--config', config], env());
      await waitFor(() => statuses.at(-1) === 'online', 20_000, 'online status after restart');
      await waitFor(() => Math.max(...seqs) > beforeKill + 3 && outboxDepth() === 0 && contiguous(), 30_000, 'new batches after restart');
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
    expect(contiguous()).toBe(true);
    expect(seqs.size).toBeGreaterThan(10);
    // Duplicates are allowed (the hub de-duplicates by seq), loss is not; a few at most per reconnect.
    expect(duplicates).toBeLessThan(100);
  }, 120_000);
});
