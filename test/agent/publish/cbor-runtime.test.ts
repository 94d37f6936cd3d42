import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../../agent/config.js';
import { startAgent } from '../../../agent/runtime.js';
import { isCbor } from '../../../shared/schema/cbor.js';
import { decodeMessage, type TelemetryMessage } from '../../../shared/schema/message.js';
import { memoryLogger } from '../../helpers/logger.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { fakePowercap } from '../../helpers/powercap.js';
import { waitFor, writeConfig } from '../../helpers/spawn-agent.js';

describe('agent with mqtt.payload: cbor (real agent, real mosquitto)', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('sends telemetry as CBOR that decodes to valid batches, and status and inventory as JSON', async () => {
    const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 }]);
    let energy = 5_000_000;
    const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 20_000)), 20);
    const seen = { telemetry: [] as TelemetryMessage[], cborTelemetry: 0, jsonOther: 0, invalid: [] as string[] };
    const client = mqtt.connect(broker.url);
    client.on('message', (topic, payload) => {
      const kind = topic.split('/')[4];
      if (kind === 'telemetry') {
        if (isCbor(payload)) seen.cborTelemetry++;
        const m = decodeMessage('telemetry', payload);
        if (m.ok) seen.telemetry.push(m.value);
        else seen.invalid.push(`${m.error.field} ${m.error.message}`);
      } else if (payload[0] === 0x7b) seen.jsonOther++;
    });
    await new Promise<void>((r) => client.once('connect', () => r()));
    await client.subscribeAsync('kcloud/v1/lab/cbor-a/#', { qos: 1 });
    const config = loadAgentConfig(
      writeConfig(`node: cbor-a
cluster: lab
dataDir: ${join(mkdtempSync(join(tmpdir(), 'kcloud-cbor-')), 'data')}
mqtt: { url: "${broker.url}", payload: cbor }
metrics: { listen: "" }
collectors:
  gpu: { enabled: false }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  host: { enabled: false }
  rapl: { enabled: true, interval: 100ms, root: ${power.root} }
`),
      {},
    );
    const agent = await startAgent(config, memoryLogger().log);
    try {
      await waitFor(() => seen.telemetry.length >= 3 && seen.jsonOther >= 2, 15_000, 'CBOR telemetry, JSON status and inventory');
      expect(seen.invalid).toEqual([]);
      expect(seen.cborTelemetry).toBe(seen.telemetry.length);
      const seqs = seen.telemetry.map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      expect(seen.telemetry.flatMap((m) => m.samples).some((s) => s.metric === 'rapl_power_watts' && s.labels?.zone === 'package-0')).toBe(true);
    } finally {
      clearInterval(ticker);
      await agent.stop();
      await client.endAsync();
    }
  });
});
