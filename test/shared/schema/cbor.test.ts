import { Encoder, Tag } from 'cbor-x/decode';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, isCbor } from '../../../shared/schema/cbor.js';
import { decodeMessage } from '../../../shared/schema/message.js';

const T0 = 1_765_000_000_000;
const uuid = (g: number) => `GPU-5d6c0000-0000-4000-8000-${String(g).padStart(12, '0')}`;
/** A batch as an 8-GPU agent sends it: fractional values, samples with and without labels and ts. */
const batch = (seq: number) => ({
  v: 1,
  cluster: 'lab',
  node: 'gpu-07',
  seq,
  ts: T0 + 5,
  samples: [
    ...Array.from({ length: 8 }, (_, g) => ({ metric: 'gpu_power_watts', labels: { gpu: String(g), uuid: uuid(g) }, value: 312.05 + g / 3, ts: T0 + g })),
    ...Array.from({ length: 8 }, (_, g) => ({ metric: 'gpu_temperature_celsius', labels: { gpu: String(g), uuid: uuid(g) }, value: 61 + g, ts: T0 + g })),
    { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 87.4, ts: T0 + 3 },
    { metric: 'agent_outbox_depth', value: 0 },
    { metric: 'gpu_energy_joules', labels: { gpu: '0', uuid: uuid(0) }, value: 1.7976931348623157e308, ts: T0 },
    { metric: 'gpu_clock_hz', labels: { gpu: '0', uuid: uuid(0) }, value: -5e-324, ts: T0 },
  ],
});
/** Self-described CBOR of `value` as any encoder writes it (no records, no packing): what a hostile client may send. */
const plainCbor = (value: unknown) => Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), new Encoder({ useRecords: false }).encode(value)]);

describe('CBOR telemetry payloads', () => {
  it('decode to exactly the message their JSON twin decodes to', () => {
    const msg = batch(7);
    const fromCbor = decodeMessage('telemetry', encodeCbor(msg));
    const fromJson = decodeMessage('telemetry', Buffer.from(JSON.stringify(msg)));
    expect(fromCbor).toEqual({ ok: true, value: msg });
    expect(fromCbor).toEqual(fromJson);
  });

  it('are smaller than their JSON twin and start with the self-described CBOR tag, which no JSON text can', () => {
    const cbor = encodeCbor(batch(7));
    const json = Buffer.from(JSON.stringify(batch(7)));
    expect(cbor.length).toBeLessThan(json.length / 2);
    expect([...cbor.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    expect(isCbor(cbor)).toBe(true);
    expect(isCbor(json)).toBe(false);
    expect(isCbor(Buffer.from(' {}'))).toBe(false);
  });

  it('each decode alone: nothing of an earlier message (record structures, packed strings) is needed or used', () => {
    const first = { ...batch(1), samples: [{ metric: 'a_metric', labels: { x: 'one' }, value: 1 }] };
    const second = batch(2);
    const [a, b] = [encodeCbor(first), encodeCbor(second)];
    // Decoded out of order, the second first, and each twice.
    expect(decodeCbor(b)).toEqual({ ok: true, value: second });
    expect(decodeCbor(a)).toEqual({ ok: true, value: first });
    expect(decodeCbor(b)).toEqual({ ok: true, value: second });
    expect(decodeCbor(a)).toEqual({ ok: true, value: first });
  });

  it('also take CBOR without records or packing, as any encoder writes it', () => {
    expect(decodeMessage('telemetry', plainCbor(batch(3)))).toEqual({ ok: true, value: batch(3) });
  });

  it('refuse non-finite values by the same rule, at the same field, as JSON (where 1e999 parses to Infinity)', () => {
    for (const value of [NaN, Infinity, -Infinity]) {
      const msg = { ...batch(4), samples: [{ metric: 'gpu_power_watts', value }] };
      const d = decodeMessage('telemetry', encodeCbor(msg));
      expect(d).toMatchObject({ ok: false, error: { field: '/samples/0/value' } });
    }
    const json = decodeMessage('telemetry', '{"v":1,"cluster":"lab","node":"gpu-07","seq":4,"ts":1765000000005,"samples":[{"metric":"gpu_power_watts","value":1e999}]}');
    expect(json).toMatchObject({ ok: false, error: { field: '/samples/0/value' } });
  });

  it.each<[string, unknown]>([
    ['a date (tag 1)', new Tag(T0 / 1000, 1)],
    ['a 1 MiB bignum (tag 2, decoded byte by byte in quadratic time)', new Tag(Buffer.alloc(1024 * 1024, 0xff), 2)],
    ['a negative bignum (tag 3)', new Tag(Buffer.from([1, 0]), 3)],
    ['a decimal fraction (tag 4)', new Tag([-2, 27315], 4)],
    ['a regular expression (tag 27)', new Tag(['RegExp', '(a+)+$'], 27)],
    ['a shared value (tag 28)', new Tag({ gpu: '0' }, 28)],
    ['a typed array (tag 86)', new Tag(Buffer.alloc(16), 86)],
    ['a set (tag 258)', new Tag(['0', '1'], 258)],
    ['a map (tag 259)', new Tag({ gpu: '0' }, 259)],
  ])('refuse %s anywhere in the message', (_what, hostile) => {
    const msg = { ...batch(5), samples: [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, value: 1, ts: T0 }, { metric: 'gpu_power_watts', labels: hostile, value: 1 }] };
    const d = decodeCbor(plainCbor(msg));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.reason).toBe('not_cbor');
    expect(d.message).toMatch(/^not CBOR: CBOR tag \d+ is not accepted$/);
  });

  it('a cycle through shared values is refused, not built', () => {
    // tag 28 (shareable) around a one-entry map whose value is tag 29 (sharedref) to that same map.
    const cycle = Buffer.from([0xd9, 0xd9, 0xf7, 0xd8, 0x1c, 0xa1, 0x61, 0x61, 0xd8, 0x1d, 0x00]);
    // The inner sharedref is read first (a refused tag's content is read before the tag is judged).
    expect(decodeCbor(cycle)).toMatchObject({ ok: false, reason: 'not_cbor', message: expect.stringMatching(/^not CBOR: CBOR tag 2[89] is not accepted$/) });
  });

  it('a payload nested beyond the call stack is reported as deep, not thrown', () => {
    const nested = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), Buffer.alloc(1_000_000, 0x81), Buffer.from([0x00])]);
    expect(decodeCbor(nested)).toEqual({ ok: false, reason: 'too_deep', message: 'CBOR nests deeper than the decoder can follow' });
  });

  it('an array header claiming 2^32 items allocates nothing and fails as truncated', () => {
    const claim = Buffer.from([0xd9, 0xd9, 0xf7, 0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01]);
    expect(decodeCbor(claim)).toMatchObject({ ok: false, reason: 'not_cbor', message: expect.stringMatching(/^not CBOR: /) });
  });

  it('keys never reach generated code nor the prototype: record keys that look like code stay data, __proto__ pollutes nothing', () => {
    const key = 'x"]:globalThis.kcloudInjected=1,["y';
    // Records are read by generated code once a structure repeats: five samples of one shape.
    const samples = Array.from({ length: 5 }, () => ({ metric: 'gpu_power_watts', value: 1, [key]: 'v' }));
    const records = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), new Encoder({ useRecords: true }).encode({ ...batch(6), samples })]);
    const d = decodeCbor(records);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect((d.value as { samples: Record<string, unknown>[] }).samples.map((s) => s[key])).toEqual(['v', 'v', 'v', 'v', 'v']);
    expect((globalThis as Record<string, unknown>).kcloudInjected).toBeUndefined();
    expect(decodeMessage('telemetry', records)).toMatchObject({ ok: false, error: { field: expect.stringMatching(/^\/samples\/0/) } });

    const proto = plainCbor({ ...batch(6), samples: [{ metric: 'gpu_power_watts', labels: JSON.parse('{"__proto__":{"polluted":"yes"}}') as object, value: 1 }] });
    expect(decodeMessage('telemetry', proto).ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a 64-bit seq beyond what a double holds is refused like JSON’s 2^53', () => {
    const seq = Buffer.from([0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0x01]); // 2^53 + 1 as a CBOR uint64
    const header = plainCbor({ ...batch(1), seq: 0 });
    // Replace the encoded seq 0 (one byte, 0x00, right after the "seq" key) with the uint64.
    const at = header.indexOf(Buffer.from([0x63, 0x73, 0x65, 0x71])) + 4;
    const hostile = Buffer.concat([header.subarray(0, at), seq, header.subarray(at + 1)]);
    expect(decodeMessage('telemetry', hostile)).toMatchObject({ ok: false, error: { field: '/seq' } });
    expect(decodeMessage('telemetry', JSON.stringify({ ...batch(1), seq: 2 ** 53 + 2 }))).toMatchObject({ ok: false, error: { field: '/seq' } });
  });
});
