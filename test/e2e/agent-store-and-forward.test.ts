import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStateFile } from '../../agent/state-file.js';
import { decodeMessage, type TelemetryMessage } from '../../shared/schema/message.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { fakePowercap, raplOnlyCollectors } from '../helpers/powercap.js';
import { spawnAgent, stopChild, waitFor, writeConfig } from '../helpers/spawn-agent.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The part that must not fail: with a real mosquitto stopped for 5 s and
 * restarted, and the agent killed with SIGKILL and restarted, a subscriber
 * ends up with every seq from the first to the last (after de-dup), and the
 * samples read during the outage arrive too.
 */
describe('agent store-and-forward through a real mosquitto', () => {
  let broker: Mosquitto;
  let sub: mqtt.MqttClient;
  const batches = new Map<number, TelemetryMessage>();
  const statuses: string[] = [];
  const invalid: string[] = [];
  let duplicates = 0;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-snf-'));
  const dataDir = join(dir, 'data');
  const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
  let energy = 1_000_000;
  const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 50_000)), 50);

  beforeAll(async () => {
    // Persistence keeps the subscriber's QoS 1 session across the broker restart, as a real consumer's would be.
    broker = await startMosquitto({ extraConfig: `persistence true\npersistence_location ${dir}/\n` });
    sub = mqtt.connect(broker.url, { clientId: 'snf-test-sub', clean: false, reconnectPeriod: 200 });
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('kcloud/v1/lab/node-a/#', { qos: 1 });
    sub.on('message', (topic, payload) => {
      const kind = topic.split('/')[4];
      if (kind === 'status') {
        const m = decodeMessage('status', payload);
        if (m.ok) statuses.push(m.value.state);
        else invalid.push(`${topic}: ${m.error.field} ${m.error.message}`);
      } else if (kind === 'telemetry') {
        const m = decodeMessage('telemetry', payload);
        if (!m.ok) invalid.push(`${topic}: ${m.error.field} ${m.error.message}`);
        else if (batches.has(m.value.seq)) duplicates += 1;
        else batches.set(m.value.seq, m.value);
      }
    });
  });

  afterAll(async () => {
    clearInterval(ticker);
    await sub?.endAsync();
    await broker?.stop();
  });

  const seqs = () => [...batches.keys()].sort((a, b) => a - b);
  const maxSeq = () => Math.max(...batches.keys());
  /** Every seq from the first received to the last, none missing. */
  const contiguous = () => {
    const s = seqs();
    return s.length > 0 && s.at(-1)! - s[0]! + 1 === s.length;
  };
  const outboxDepth = () => readStateFile(dataDir)?.outbox.depth ?? -1;

  const config = writeConfig(`node: node-a
cluster: lab
dataDir: ${dataDir}
mqtt: { replayRate: 200 }
metrics: { listen: "" }
${raplOnlyCollectors(power.root)}`);

  it('loses no batch across a broker outage and an agent kill -9', async () => {
    // The broker's port is only known now: the env override exercises KCLOUD_<PATH> as well.
    const env = { KCLOUD_MQTT_URL: broker.url };
    let agent = spawnAgent(['run', '--config', config], env);
    try {
      await waitFor(() => batches.size >= 3, 20_000, 'first telemetry batches');

      // Broker outage of 5 s: the agent keeps collecting into its outbox.
      await broker.stop();
      const down = Date.now();
      const beforeOutage = maxSeq();
      await sleep(5000);
      const state = readStateFile(dataDir)!;
      expect(state.broker.connected).toBe(false);
      expect(state.outbox.depth).toBeGreaterThanOrEqual(3);
      const up = Date.now();
      await broker.start();
      await waitFor(() => outboxDepth() === 0 && contiguous() && maxSeq() > beforeOutage + 5, 30_000, 'backlog drained after the broker restart');
      // Readings taken while the broker was down arrived after it came back.
      const outageSamples = [...batches.values()].flatMap((b) => b.samples).filter((s) => s.metric === 'rapl_power_watts' && s.ts! > down + 500 && s.ts! < up - 500);
      expect(outageSamples.length).toBeGreaterThanOrEqual(20);

      // kill -9 mid-stream: the Last Will says offline; a restart resumes with higher seqs.
      const beforeKill = maxSeq();
      await stopChild(agent, 'SIGKILL');
      await waitFor(() => statuses.at(-1) === 'offline', 15_000, 'Last Will offline status');
      agent = spawnAgent(['run', '--config', config], env);
      await waitFor(() => statuses.at(-1) === 'online', 20_000, 'online status after restart');
      await waitFor(() => maxSeq() > beforeKill + 5 && outboxDepth() === 0 && contiguous(), 30_000, 'new batches after restart');
      expect(Math.min(...seqs().filter((s) => s > beforeKill))).toBe(beforeKill + 1);
    } finally {
      await stopChild(agent);
    }
    expect(invalid).toEqual([]);
    expect(contiguous()).toBe(true);
    expect(batches.size).toBeGreaterThan(12);
    // Duplicates are allowed (the hub de-duplicates by seq), loss is not; only batches in flight at a reconnect repeat.
    expect(duplicates).toBeLessThan(100);
  }, 120_000);
});
