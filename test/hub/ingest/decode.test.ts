import { describe, expect, it } from 'vitest';
import { decodeIncoming } from '../../../hub/ingest/decode.js';
import { INVENTORY_SHAPE, MAX_INVENTORY_BYTES, MAX_PAYLOAD_BYTES } from '../../../shared/schema/message.js';

const T = 'kcloud/v1/lab/gpu-01/telemetry';
// A batch as agent/runtime.ts encodes it (RAPL samples, real label values from the powercap fixture).
const good = {
  v: 1,
  cluster: 'lab',
  node: 'gpu-01',
  seq: 1763900000001,
  ts: 1763900000000,
  samples: [
    { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 41.5, ts: 1763900000000 },
    { metric: 'rapl_energy_joules', labels: { zone: 'package-0', domain: 'package' }, value: 1234.25 },
  ],
};
const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const INV = 'kcloud/v1/lab/gpu-01/inventory';
const inventory = { v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, inventory: {} };
const status = { v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, state: 'online' };
/** An inventory whose `host` fact is `levels` arrays nested in one another (the facts object itself is one more level). */
const deep = (levels: number) => Buffer.from(`{"v":1,"cluster":"lab","node":"gpu-01","ts":1763900000000,"inventory":{"host":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}}`);

describe('decodeIncoming', () => {
  it('accepts a well-formed telemetry batch and keeps its samples', () => {
    const d = decodeIncoming(T, json(good));
    expect(d.ok).toBe(true);
    if (!d.ok || d.kind !== 'telemetry') throw new Error('expected telemetry');
    expect(d.topic).toEqual({ cluster: 'lab', node: 'gpu-01', kind: 'telemetry' });
    expect(d.msg.samples).toHaveLength(2);
    expect(d.msg.seq).toBe(1763900000001);
  });

  it('accepts status and inventory on their topics', () => {
    const status = { v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, state: 'offline' };
    expect(decodeIncoming('kcloud/v1/lab/gpu-01/status', json(status))).toMatchObject({ ok: true, kind: 'status' });
    const inv = { v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, inventory: { rapl: [{ zone: 'package-0' }] } };
    expect(decodeIncoming('kcloud/v1/lab/gpu-01/inventory', json(inv))).toMatchObject({ ok: true, kind: 'inventory' });
  });

  it('accepts an inventory nested 32 levels deep, the most INVENTORY_SHAPE allows', () => {
    expect(INVENTORY_SHAPE.depth).toBe(32);
    expect(decodeIncoming(INV, deep(32))).toMatchObject({ ok: true, kind: 'inventory' });
  });

  it.each<[string, string, Buffer, string, string]>([
    ['not JSON', T, Buffer.from('{"v":1,'), 'not_json', '/'],
    ['binary garbage', T, Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'not_json', '/'],
    ['empty payload', T, Buffer.alloc(0), 'not_json', '/'],
    ['version 2', T, json({ ...good, v: 2 }), 'bad_version', '/v'],
    ['version as a string', T, json({ ...good, v: '1' }), 'bad_version', '/v'],
    ['no version', T, json({ ...good, v: undefined }), 'missing_field', '/v'],
    ['no seq', T, json({ ...good, seq: undefined }), 'missing_field', '/seq'],
    ['sample without value', T, json({ ...good, samples: [{ metric: 'rapl_power_watts' }] }), 'missing_field', '/samples/0/value'],
    ['value as a string', T, json({ ...good, samples: [{ metric: 'rapl_power_watts', value: '41.5' }] }), 'invalid_field', '/samples/0/value'],
    ['value null (N/A must be absent, not null)', T, json({ ...good, samples: [{ metric: 'gpu_power_watts', value: null }] }), 'invalid_field', '/samples/0/value'],
    ['seq 0', T, json({ ...good, seq: 0 }), 'invalid_field', '/seq'],
    // Integers to Number.isInteger, but past what a double holds exactly: SQLite stored 1e308 as REAL.
    ['seq 1e308', T, Buffer.from(json(good).toString().replace(`"seq":${good.seq}`, '"seq":1e308')), 'invalid_field', '/seq'],
    ['seq 2^53', T, json({ ...good, seq: 2 ** 53 }), 'invalid_field', '/seq'],
    ['seq 1.5', T, json({ ...good, seq: 1.5 }), 'invalid_field', '/seq'],
    ['ts in seconds', T, json({ ...good, ts: 1763900000 }), 'invalid_field', '/ts'],
    ['metric with upper case', T, json({ ...good, samples: [{ metric: 'GPU_power', value: 1 }] }), 'invalid_field', '/samples/0/metric'],
    ['unknown top-level key', T, json({ ...good, extra: 1 }), 'invalid_field', '/extra'],
    ['a JSON number', T, Buffer.from('42'), 'invalid_field', '/'],
    ['a JSON array', T, Buffer.from('[]'), 'invalid_field', '/'],
    ['huge', T, Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), 'too_large', '/'],
    ['an inventory nested 50 000 deep', INV, deep(50_000), 'too_deep', '/inventory'],
    ['an inventory nested 33 deep', INV, deep(33), 'too_deep', '/inventory'],
    ['an inventory of 100 001 values', INV, json({ ...inventory, inventory: { host: Array.from({ length: 100_000 }, () => 0) } }), 'too_large', '/inventory'],
    ['an inventory over 1 MiB', INV, json({ ...inventory, inventory: { host: 'x'.repeat(MAX_INVENTORY_BYTES) } }), 'too_large', '/'],
    ['a status outbox depth of 1e308', 'kcloud/v1/lab/gpu-01/status', Buffer.from(json({ ...status, outbox: { depth: 1, bytes: 0, dropped: 0 } }).toString().replace('"depth":1', '"depth":1e308')), 'invalid_field', '/outbox/depth'],
    ['a status with 33 sources', 'kcloud/v1/lab/gpu-01/status', json({ ...status, sources: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`s${i}`, { enabled: true, reason: '', lastSampleTs: null, errors: 0 }])) }), 'invalid_field', '/sources'],
    ['not a kcloud topic', 'kcloud/v1/lab/gpu-01/commands', json(good), 'bad_topic', '/'],
    ['too few levels', 'kcloud/v1/lab/telemetry', json(good), 'bad_topic', '/'],
    ['status payload on the telemetry topic', T, json({ v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, state: 'online' }), 'missing_field', '/seq'],
  ])('rejects %s', (_name, topic, payload, reason, field) => {
    const d = decodeIncoming(topic, payload);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.rejection.reason).toBe(reason);
    expect(d.rejection.field).toBe(field);
  });
});
