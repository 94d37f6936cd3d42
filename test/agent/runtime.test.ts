import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../agent/history/store.js';
import { Outbox } from '../../agent/outbox/outbox.js';
import { startAgent } from '../../agent/runtime.js';
import { loadAgentConfig } from '../../agent/config.js';
import { readStateFile } from '../../agent/state-file.js';
import { checkTelemetry, decodeMessage, type InventoryMessage, type StatusMessage, type TelemetryMessage } from '../../shared/schema/message.js';
import { memoryLogger } from '../helpers/logger.js';
import { freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { fakePowercap } from '../helpers/powercap.js';
import { waitFor, writeConfig } from '../helpers/spawn-agent.js';

/** Everything a plain subscriber sees of one node. */
async function watchNode(url: string, node: string) {
  const seen = { telemetry: [] as TelemetryMessage[], status: [] as StatusMessage[], inventory: [] as InventoryMessage[], invalid: [] as string[] };
  const client = mqtt.connect(url);
  client.on('message', (topic, payload) => {
    const kind = topic.split('/')[4];
    const bad = (e: { field: string; message: string }) => seen.invalid.push(`${topic}: ${e.field} ${e.message}`);
    if (kind === 'telemetry') {
      const m = decodeMessage('telemetry', payload);
      if (m.ok) seen.telemetry.push(m.value);
      else bad(m.error);
    } else if (kind === 'status') {
      const m = decodeMessage('status', payload);
      if (m.ok) seen.status.push(m.value);
      else bad(m.error);
    } else if (kind === 'inventory') {
      const m = decodeMessage('inventory', payload);
      if (m.ok) seen.inventory.push(m.value);
      else bad(m.error);
    }
  });
  await new Promise<void>((r) => client.once('connect', () => r()));
  await client.subscribeAsync(`kcloud/v1/lab/${node}/#`, { qos: 1 });
  return { client, seen };
}

describe('startAgent', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const configFor = (node: string, dataDir: string, rapl: string, url = broker.url) =>
    loadAgentConfig(
      writeConfig(`node: ${node}
cluster: lab
dataDir: ${dataDir}
mqtt: { url: "${url}" }
metrics: { listen: "127.0.0.1:0" }
collectors:
  gpu: { enabled: false }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  host: { enabled: false }
  rapl: ${rapl}
`),
      {},
    );

  it('runs a source into MQTT, the local history, /metrics and status.json, and says offline when stopped', async () => {
    const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 }]);
    let energy = 5_000_000;
    const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 20_000)), 20);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'data');
    const { seen, client } = await watchNode(broker.url, 'rt-a');
    const logger = memoryLogger();
    const agent = await startAgent(configFor('rt-a', dataDir, `{ enabled: auto, interval: 100ms, root: ${power.root} }`), logger.log);
    try {
      await waitFor(() => seen.telemetry.length >= 3 && seen.status.length >= 1 && seen.inventory.length >= 1, 15_000, 'telemetry, status and inventory');

      // One line says what runs and why the rest is off.
      const started = logger.lines().filter((l) => l.msg === 'agent started');
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({
        node: 'rt-a',
        cluster: 'lab',
        active: { rapl: expect.stringContaining(power.root) },
        off: { gpu: 'disabled in config', ipmi: 'disabled in config', host: 'disabled in config' },
      });

      expect(seen.invalid).toEqual([]);
      const seqs = seen.telemetry.map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      for (const m of seen.telemetry) expect(checkTelemetry(m).ok).toBe(true);
      const power0 = seen.telemetry.flatMap((m) => m.samples).filter((s) => s.metric === 'rapl_power_watts');
      expect(power0.length).toBeGreaterThan(0);
      expect(power0[0]!.labels).toMatchObject({ zone: 'package-0' });

      // The retained status lists every source soon after start (not only at the 30 s refresh).
      await waitFor(() => seen.status.at(-1)?.sources?.rapl !== undefined, 5000, 'status listing rapl');
      expect(seen.status.at(-1)).toMatchObject({ state: 'online', node: 'rt-a', sources: { rapl: { enabled: true }, gpu: { enabled: false, reason: 'disabled in config' } } });
      expect(seen.inventory.at(-1)!.inventory).toMatchObject({ rapl: [expect.objectContaining({ zone: 'package-0' })] });

      const res = await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`);
      expect(res.status).toBe(200);

      await waitFor(() => readStateFile(dataDir)?.sources.rapl?.lastSampleTs != null, 5000, 'status.json with a sample time');
      const state = readStateFile(dataDir)!;
      expect(state).toMatchObject({ pid: process.pid, node: 'rt-a', cluster: 'lab', broker: { url: broker.url, connected: true, lastError: null } });
      expect(state.sources.rapl).toMatchObject({ enabled: true, errors: 0 });
      expect(state.sources.gpu).toMatchObject({ enabled: false, reason: 'disabled in config', lastSampleTs: null });
      expect(Object.keys(state.outbox).sort()).toEqual(['bytes', 'depth', 'dropped', 'oldestTs']);
      expect(statSync(dataDir).mode & 0o777).toBe(0o750);
    } finally {
      await agent.stop();
      clearInterval(ticker);
    }
    await waitFor(() => seen.status.at(-1)?.state === 'offline', 5000, 'offline status on stop');
    expect(readStateFile(dataDir)!.broker.connected).toBe(false);
    expect(logger.lines().at(-1)!.msg).toBe('agent stopped');
    // Every committed batch went out before the stop: the outbox is empty.
    expect(readStateFile(dataDir)!.outbox.depth).toBe(0);
    const history = HistoryStore.open(join(dataDir, 'history.db'), { retentionMs: 86_400_000, readonly: true });
    expect(history.metrics()).toContain('rapl_power_watts');
    // Committed with each telemetry batch and at the stop: the local history holds exactly the samples the hub got.
    const [series] = history.findSeries('rapl_power_watts', []);
    const stored = history.readBuckets(series!.id, 0, Number.MAX_SAFE_INTEGER, 1).map((b) => b.ts);
    const sent = seen.telemetry.flatMap((m) => m.samples).filter((s) => s.metric === 'rapl_power_watts').map((s) => s.ts);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).toEqual(sent);
    history.close();
    await client.endAsync();
  }, 30_000);

  it('leaves an `auto` source off with the reason, starts an `enabled: true` one anyway and logs its repeated failure once', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'no-powercap');
    const autoLog = memoryLogger();
    const autoDir = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'data');
    const auto = await startAgent(configFor('rt-b', autoDir, `{ enabled: auto, root: ${missing} }`), autoLog.log);
    await auto.stop();
    const off = readStateFile(autoDir)!.sources.rapl!;
    expect(off.enabled).toBe(false);
    expect(off.reason).toContain(missing);
    expect(autoLog.lines().find((l) => l.msg === 'agent started')).toMatchObject({ active: {}, off: { rapl: off.reason } });

    const { seen, client } = await watchNode(broker.url, 'rt-c');
    const forcedLog = memoryLogger();
    const forcedDir = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'data');
    const forced = await startAgent(configFor('rt-c', forcedDir, `{ enabled: true, interval: 100ms, root: ${missing} }`), forcedLog.log);
    try {
      expect(forcedLog.lines().find((l) => String(l.msg).includes('starting anyway'))).toMatchObject({ level: 40, collector: 'rapl' });
      await waitFor(() => (readStateFile(forcedDir)?.sources.rapl?.errors ?? 0) >= 5, 10_000, 'repeated rapl failures counted');
      expect(forcedLog.lines().filter((l) => l.msg === 'collector run failed')).toHaveLength(1);
      // The new failure refreshed the retained status.
      await waitFor(() => seen.status.some((s) => (s.sources?.rapl?.errors ?? 0) > 0), 5000, 'status with the rapl errors');
      expect(seen.status.at(-1)!.sources!.rapl!.enabled).toBe(true);
    } finally {
      await forced.stop();
      await client.endAsync();
    }
  }, 30_000);

  it('uses DCGM as the GPU source where it runs, and keeps the nvidia-smi stream off (no doubled series)', async () => {
    const fakes = join(import.meta.dirname, '../fakes');
    const dir = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'data');
    const config = loadAgentConfig(
      writeConfig(`node: rt-dcgm
cluster: lab
dataDir: ${dir}
mqtt: { url: "${broker.url}" }
metrics: { listen: "" }
collectors:
  gpu: { enabled: auto, nvidiaSmi: ${join(fakes, 'nvidia-smi')} }
  dcgm: { enabled: auto, dcgmi: ${join(fakes, 'dcgmi')} }
  ipmi: { enabled: false }
  rapl: { enabled: false }
  host: { enabled: false }
`),
      {},
    );
    const agent = await startAgent(config, memoryLogger().log);
    await agent.stop();
    const sources = readStateFile(dir)!.sources;
    expect(sources.dcgm!.enabled).toBe(true);
    expect(sources.gpu).toMatchObject({ enabled: false, reason: 'dcgm is active and publishes the same metrics' });
    expect(sources['gpu-processes']!.enabled).toBe(true);
  }, 30_000);

  it('keeps collecting into the outbox with no broker, and stops promptly without losing a batch', async () => {
    const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 }]);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-rt-')), 'data');
    const nobody = `mqtt://127.0.0.1:${await freePort()}`;
    const agent = await startAgent(configFor('rt-d', dataDir, `{ enabled: true, interval: 100ms, root: ${power.root} }`, nobody), memoryLogger().log);
    try {
      await waitFor(() => (readStateFile(dataDir)?.outbox.depth ?? 0) >= 2, 10_000, 'batches waiting in the outbox');
      expect(readStateFile(dataDir)!.broker).toMatchObject({ url: nobody, connected: false, lastConnectedAt: null, lastError: expect.stringContaining('ECONNREFUSED') });
    } finally {
      const t = Date.now();
      await agent.stop();
      expect(Date.now() - t).toBeLessThan(5000);
    }
    const { depth } = readStateFile(dataDir)!.outbox;
    const box = Outbox.open(join(dataDir, 'outbox.db'), { maxBytes: 1e9, maxAgeMs: 86_400_000 });
    const rows = box.nextBatch(0, 1000);
    box.close();
    expect(rows.length).toBe(depth);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // Each waiting batch is the message that will be sent, its seq inside.
    for (const r of rows) expect(checkTelemetry(JSON.parse(r.payload.toString()))).toMatchObject({ ok: true, value: { seq: r.seq, node: 'rt-d' } });
  }, 30_000);
});
