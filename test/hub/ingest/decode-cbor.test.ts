import { Encoder } from 'cbor-x/decode';
import { describe, expect, it } from 'vitest';
import { decodeIncoming } from '../../../hub/ingest/decode.js';
import { encodeCbor, MAX_CBOR_PAYLOAD_BYTES } from '../../../shared/schema/cbor.js';
import { MAX_PAYLOAD_BYTES } from '../../../shared/schema/message.js';

const T = 'kcloud/v1/lab/gpu-01/telemetry';
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
const SELF_DESCRIBED = Buffer.from([0xd9, 0xd9, 0xf7]);
const described = (body: Buffer) => Buffer.concat([SELF_DESCRIBED, body]);
/** A telemetry batch of `n` samples of ~214 bytes each in CBOR (a 190-character label value apiece). */
const bigBatch = (n: number) => {
  const samples = Array.from({ length: n }, (_, i) => ({ metric: 'gpu_power_watts', labels: { gpu: String(i), uuid: `${i}-${'u'.repeat(190)}` }, value: i }));
  return { ...good, samples };
};

describe('decodeIncoming: CBOR payloads', () => {
  it('accepts the CBOR twin of a batch and yields the same message as its JSON', () => {
    const fromCbor = decodeIncoming(T, encodeCbor(good));
    expect(fromCbor).toEqual(decodeIncoming(T, Buffer.from(JSON.stringify(good))));
    expect(fromCbor).toMatchObject({ ok: true, kind: 'telemetry', msg: good });
  });

  it('accepts a CBOR batch of up to MAX_CBOR_PAYLOAD_BYTES', () => {
    const payload = encodeCbor(bigBatch(Math.floor(MAX_CBOR_PAYLOAD_BYTES / 220)));
    expect(payload.length).toBeLessThanOrEqual(MAX_CBOR_PAYLOAD_BYTES);
    expect(decodeIncoming(T, payload)).toMatchObject({ ok: true, kind: 'telemetry' });
  });

  it.each<[string, string, Buffer, string, string]>([
    ['truncated CBOR', T, encodeCbor(good).subarray(0, 40), 'not_cbor', '/'],
    ['the self-described tag alone', T, SELF_DESCRIBED, 'not_cbor', '/'],
    ['a CBOR bignum', T, described(Buffer.from([0xc2, 0x41, 0x01])), 'not_cbor', '/'],
    ['CBOR nested a million deep', T, described(Buffer.concat([Buffer.alloc(1_000_000, 0x81), Buffer.from([0])])), 'too_deep', '/'],
    ['CBOR over its 1 MiB', T, encodeCbor(bigBatch(Math.ceil(MAX_CBOR_PAYLOAD_BYTES / 200))), 'too_large', '/'],
    ['CBOR over the 4 MiB of any payload', T, described(Buffer.alloc(MAX_PAYLOAD_BYTES, 0x00)), 'too_large', '/'],
    ['CBOR version 2', T, encodeCbor({ ...good, v: 2 }), 'bad_version', '/v'],
    ['CBOR version as a 64-bit integer', T, described(new Encoder({ useRecords: false }).encode({ ...good, v: 2n ** 63n })), 'bad_version', '/v'],
    ['a CBOR sample without value', T, encodeCbor({ ...good, samples: [{ metric: 'rapl_power_watts' }] }), 'missing_field', '/samples/0/value'],
    ['a CBOR value as a byte string', T, encodeCbor({ ...good, samples: [{ metric: 'rapl_power_watts', value: Buffer.from([1]) }] }), 'invalid_field', '/samples/0/value'],
    // JSON has no undefined: there the key is absent (missing_field); CBOR carries it, a value of the wrong type.
    ['a CBOR value undefined', T, encodeCbor({ ...good, samples: [{ metric: 'rapl_power_watts', value: undefined }] }), 'invalid_field', '/samples/0/value'],
    ['a CBOR value NaN', T, encodeCbor({ ...good, samples: [{ metric: 'rapl_power_watts', value: NaN }] }), 'invalid_field', '/samples/0/value'],
    ['a CBOR label value that is a number', T, encodeCbor({ ...good, samples: [{ metric: 'rapl_power_watts', labels: { zone: 0 }, value: 1 }] }), 'invalid_field', '/samples/0/labels/zone'],
    ['a CBOR status (status stays JSON)', 'kcloud/v1/lab/gpu-01/status', encodeCbor({ v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, state: 'online' }), 'not_json', '/'],
    ['a CBOR inventory (inventory stays JSON)', 'kcloud/v1/lab/gpu-01/inventory', encodeCbor({ v: 1, cluster: 'lab', node: 'gpu-01', ts: 1763900000000, inventory: {} }), 'not_json', '/'],
  ])('rejects %s', (_name, topic, payload, reason, field) => {
    const d = decodeIncoming(topic, payload);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.rejection.reason).toBe(reason);
    expect(d.rejection.field).toBe(field);
  });
});
