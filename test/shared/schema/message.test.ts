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
