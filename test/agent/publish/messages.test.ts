import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../../agent/config.js';
import { inventoryPayload, statusPayload, telemetryPayload } from '../../../agent/publish/messages.js';
import { checkInventory, checkStatus, checkTelemetry, decodeMessage } from '../../../shared/schema/message.js';
import { writeConfig } from '../../helpers/spawn-agent.js';

const T0 = 1_760_000_000_000;
const origin = { cluster: 'lab', node: 'gpu-07' };
const parse = (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown;

describe('message payloads', () => {
  it('telemetry: a valid v1 message carrying the seq and the samples as given', () => {
    const samples = [
      { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 41.5, ts: T0 },
      { metric: 'agent_outbox_depth', value: 0, ts: T0 },
    ];
    const msg = parse(telemetryPayload(origin, T0 + 7, T0 + 5, samples));
    expect(checkTelemetry(msg)).toEqual({ ok: true, value: msg });
    expect(msg).toEqual({ v: 1, cluster: 'lab', node: 'gpu-07', seq: T0 + 7, ts: T0 + 5, samples });
  });

  it('telemetry as CBOR (mqtt.payload: cbor): the hub decodes it to the message the JSON payload carries', () => {
    const samples = [
      { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-5d6c' }, value: 312.05, ts: T0 },
      { metric: 'agent_outbox_depth', value: 0 },
    ];
    const cbor = telemetryPayload(origin, T0 + 7, T0 + 5, samples, 'cbor');
    const json = telemetryPayload(origin, T0 + 7, T0 + 5, samples, 'json');
    expect(cbor.subarray(0, 1)[0]).toBe(0xd9);
    expect(decodeMessage('telemetry', cbor)).toEqual({ ok: true, value: { v: 1, cluster: 'lab', node: 'gpu-07', seq: T0 + 7, ts: T0 + 5, samples } });
    expect(decodeMessage('telemetry', cbor)).toEqual(decodeMessage('telemetry', json));
    expect(telemetryPayload(origin, T0 + 7, T0 + 5, samples)).toEqual(json);
  });

  it('mqtt.payload is json unless set to cbor; anything else is a config error', () => {
    expect(loadAgentConfig(writeConfig('node: n1\n'), {}).mqtt.payload).toBe('json');
    expect(loadAgentConfig(writeConfig('node: n1\nmqtt: { payload: cbor }\n'), {}).mqtt.payload).toBe('cbor');
    expect(loadAgentConfig(writeConfig('node: n1\n'), { KCLOUD_MQTT_PAYLOAD: 'cbor' }).mqtt.payload).toBe('cbor');
    expect(() => loadAgentConfig(writeConfig('node: n1\nmqtt: { payload: msgpack }\n'), {})).toThrow(/mqtt\.payload/);
  });

  it('status: valid, with source states and the outbox figures the schema allows', () => {
    const sources = {
      rapl: { enabled: true, reason: '2 RAPL zones under /sys/class/powercap', lastSampleTs: T0, errors: 0 },
      gpu: { enabled: false, reason: 'disabled in config', lastSampleTs: null, errors: 0 },
    };
    const buf = statusPayload(origin, T0, { state: 'offline', agentVersion: '0.1.0', sources, outbox: { depth: 3, bytes: 900, dropped: 1, oldestTs: T0 - 5000 } });
    const decoded = decodeMessage('status', buf);
    expect(decoded.ok).toBe(true);
    expect(checkStatus(parse(buf)).ok).toBe(true);
    expect(parse(buf)).toEqual({ v: 1, cluster: 'lab', node: 'gpu-07', ts: T0, state: 'offline', agentVersion: '0.1.0', sources, outbox: { depth: 3, bytes: 900, dropped: 1 } });
  });

  it('inventory: valid, carrying the merged facts', () => {
    const inventory = { rapl: [{ zone: 'package-0', domain: 'package', maxEnergyRangeUj: 262143328850 }], host: { hostname: 'gpu-07' } };
    const msg = parse(inventoryPayload(origin, T0, inventory));
    expect(checkInventory(msg).ok).toBe(true);
    expect(msg).toEqual({ v: 1, cluster: 'lab', node: 'gpu-07', ts: T0, inventory });
  });
});
