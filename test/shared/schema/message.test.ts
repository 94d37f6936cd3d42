import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../shared/schema/message.js';

const good = {
  v: 1,
  cluster: 'default',
  node: 'gpu-01',
  seq: 42,
  ts: 1_763_900_000_000,
  samples: [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-1' }, value: 312.5 }],
};

describe('telemetry message schema', () => {
  it('accepts a valid batch', () => {
    const r = decodeMessage('telemetry', JSON.stringify(good));
    expect(r).toEqual({ ok: true, value: good });
  });

  it.each([
    ['not JSON', '{nope', '/'],
    ['wrong version', JSON.stringify({ ...good, v: 2 }), '/v'],
    ['missing seq', JSON.stringify({ ...good, seq: undefined }), '/seq'],
    ['string value', JSON.stringify({ ...good, samples: [{ metric: 'gpu_power_watts', value: '1' }] }), '/samples/0/value'],
    ['bad metric name', JSON.stringify({ ...good, samples: [{ metric: 'GPU Power', value: 1 }] }), '/samples/0/metric'],
    ['timestamp in seconds', JSON.stringify({ ...good, ts: 1_763_900_000 }), '/ts'],
    ['node with a wildcard', JSON.stringify({ ...good, node: 'gpu/+' }), '/node'],
    ['extra field', JSON.stringify({ ...good, extra: 1 }), '/extra'],
    ['label name outside the pattern', JSON.stringify({ ...good, samples: [{ metric: 'gpu_power_watts', labels: { 'bad-name': 'x' }, value: 1 }] }), '/samples/0/labels/bad-name'],
    ['label of another type under a bad name', JSON.stringify({ ...good, samples: [{ metric: 'gpu_power_watts', labels: { 'a b': { x: 1 } }, value: 1 }] }), '/samples/0/labels/a b'],
    ['label value not a string', JSON.stringify({ ...good, samples: [{ metric: 'gpu_power_watts', labels: { gpu: 0 }, value: 1 }] }), '/samples/0/labels/gpu'],
  ])('rejects %s and names the field', (_name, payload, field) => {
    const r = decodeMessage('telemetry', payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe(field);
  });

  it.each<[string, Buffer | string, 'inventory' | 'telemetry', string, string]>([
    ['not JSON', '{nope', 'telemetry', 'not_json', '/'],
    ['CBOR on the inventory topic', Buffer.from([0xd9, 0xd9, 0xf7, 0xa0]), 'inventory', 'not_json', '/'],
    ['a CBOR payload that does not decode', Buffer.from([0xd9, 0xd9, 0xf7, 0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01]), 'telemetry', 'not_cbor', '/'],
    ['CBOR nested beyond the call stack', Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), Buffer.alloc(1_000_000, 0x81), Buffer.from([0x00])]), 'telemetry', 'too_deep', '/'],
    ['CBOR over 1 MiB', Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), Buffer.alloc(1024 * 1024)]), 'telemetry', 'too_large', '/'],
    ['over 4 MiB', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), 'telemetry', 'too_large', '/'],
    ['version 2', JSON.stringify({ ...good, v: 2 }), 'telemetry', 'bad_version', '/v'],
    ['no seq', JSON.stringify({ ...good, seq: undefined }), 'telemetry', 'missing_field', '/seq'],
    ['a string value', JSON.stringify({ ...good, samples: [{ metric: 'gpu_power_watts', value: '1' }] }), 'telemetry', 'invalid_field', '/samples/0/value'],
    ['an inventory nested 33 deep', `{"v":1,"cluster":"c","node":"n","ts":${good.ts},"inventory":{"a":${'['.repeat(32)}${']'.repeat(32)}}}`, 'inventory', 'too_deep', '/inventory'],
    ['an inventory of 100 001 values', JSON.stringify({ v: 1, cluster: 'c', node: 'n', ts: good.ts, inventory: { a: new Array(100_000).fill(0) } }), 'inventory', 'too_large', '/inventory'],
  ])('names the reason of each refusal with the refusal: %s', (_name, payload, kind, reason, field) => {
    const r = kind === 'telemetry' ? decodeMessage('telemetry', payload) : decodeMessage('inventory', payload);
    expect(r).toMatchObject({ ok: false, error: { reason, field } });
  });

  it('rejects oversized payloads before parsing', () => {
    const r = decodeMessage('telemetry', Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(r.ok).toBe(false);
  });

  it('validates status messages', () => {
    const base = { v: 1, cluster: 'c', node: 'n', ts: good.ts };
    expect(decodeMessage('status', JSON.stringify({ ...base, state: 'offline' })).ok).toBe(true);
    expect(decodeMessage('status', JSON.stringify({ ...base, state: 'sleeping' })).ok).toBe(false);
  });
});
