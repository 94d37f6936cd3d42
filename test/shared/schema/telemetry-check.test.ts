import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Encoder } from 'cbor-x/decode';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../../shared/schema/cbor.js';
import { decodeMessage, MESSAGE_VERSION, TelemetryMessage } from '../../../shared/schema/message.js';
import { REMEMBERED_NAMES, telemetryCheck } from '../../../shared/schema/telemetry-check.js';

/**
 * The hand-written telemetry check (shared/schema/telemetry-check.ts) against
 * the compiled schema it stands in for, on what the decoders build: every
 * random message goes through JSON and CBOR (records and packing, as the
 * agent writes it, and plain) and both checks must give the same answer.
 * Most generated messages are valid but for a field or two, so each
 * condition is met and missed in turn.
 */
const schema = TypeCompiler.Compile(TelemetryMessage);
const fast = telemetryCheck(TelemetryMessage);
const T0 = 1_765_000_000_000;

const hostile = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -0, 1.5, -1, NaN, Infinity, -Infinity, 1e308, 2 ** 53, 2 ** 53 - 1, 1e12 - 1, 1e13 + 1, '', '1', [], {}, [1], { a: 1 }, undefined),
  fc.string({ maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3, noNullPrototype: true }),
);
/**
 * Messages built field by field; `pick(good, bad)` chooses each field's values: only good ones for valid messages,
 * or mostly good ones and sometimes a bad or hostile one (plus extra and missing keys) for near-valid ones.
 */
type Pick = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>;
function messages(pick: Pick, mangle: boolean) {
  const name = pick(fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/), fc.constantFrom('gpu-07', 'a'.repeat(63))), fc.constantFrom('a'.repeat(64), 'gpu/+', '-x', '', 'ü'));
  const timestamp = pick(fc.oneof(fc.integer({ min: 1e12, max: 1e13 }), fc.constantFrom(1e12, 1e13)), fc.constantFrom(1e12 - 1, 1e13 + 1, T0 + 0.5, T0 / 1000));
  const metric = pick(
    fc.oneof({ arbitrary: fc.constantFrom('gpu_power_watts', 'gpu_temperature_celsius', 'a'.repeat(128)), weight: 4 }, fc.stringMatching(/^[a-z_][a-z0-9_]{0,127}$/)),
    fc.oneof(fc.constantFrom('a'.repeat(129), 'GPU_power', 'gpu power', '9x', 'gpu-power', ''), fc.string({ maxLength: 12 })),
  );
  const labelName = pick(
    fc.oneof({ arbitrary: fc.constantFrom('gpu', 'uuid', 'zone', '_x', 'a'.repeat(64)), weight: 4 }, fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/)),
    fc.constantFrom('a'.repeat(65), 'bad-name', 'a b', '9gpu', '', '__proto__', 'constructor', 'toString'),
  ) as fc.Arbitrary<string>;
  const labelValue = pick(fc.oneof({ arbitrary: fc.string({ maxLength: 40 }), weight: 4 }, fc.constantFrom('x'.repeat(256), '\u0000', '😀'.repeat(128))), fc.constantFrom('x'.repeat(257), '😀'.repeat(129)));
  const labels = pick(
    fc.oneof(
      { arbitrary: fc.dictionary(labelName, labelValue, { maxKeys: 4, noNullPrototype: true }), weight: 4 },
      // Up to the 16-label bound (and past it, where the names are picked bad).
      fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.constant('v'), { minKeys: 12, maxKeys: 16, noNullPrototype: true }),
    ),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.constant('v'), { minKeys: 17, maxKeys: 18, noNullPrototype: true }),
  );
  const value = pick(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), fc.constantFrom(NaN, Infinity, -Infinity, '1', null));
  const seq = pick(fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(Number.MAX_SAFE_INTEGER)), fc.constantFrom(0, 2 ** 53, 1.5, 2n ** 53n));
  /** `arb` one time in `n` when mangling, else null. */
  const rarely = <T>(arb: fc.Arbitrary<T>, n: number) => (mangle ? fc.oneof({ arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary: arb, weight: 1 }) : fc.constant(null));
  const extra = rarely(fc.tuple(fc.oneof(fc.constantFrom('extra', 'seq', 'value', 'labels', 'metric', 'samples'), fc.string({ maxLength: 6 })), hostile), 12);
  const drop = <K extends string>(keys: K[]) => rarely(fc.constantFrom(...keys), 16);
  const sample = fc.tuple(fc.record({ metric, labels, value, ts: timestamp }, { requiredKeys: ['metric', 'value'] }), extra, drop(['metric', 'value'])).map(([s, more, gone]) => {
    const out: Record<string, unknown> = { ...s };
    if (more) out[more[0]] = more[1];
    if (gone) delete out[gone];
    return out;
  });
  return fc
    .tuple(fc.record({ v: pick(fc.constant(MESSAGE_VERSION), hostile), cluster: name, node: name, seq, ts: timestamp, samples: pick(fc.array(pick(sample, hostile), { maxLength: 6 }), hostile) }), extra, drop(['v', 'cluster', 'node', 'seq', 'ts', 'samples']))
    .map(([m, more, gone]) => {
      const out: Record<string, unknown> = { ...m };
      if (more) out[more[0]] = more[1];
      if (gone) delete out[gone];
      return out;
    });
}
const message = fc.oneof(
  messages((good) => good, false),
  messages((good, bad) => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: fc.oneof(bad, hostile), weight: 1 }), true),
);

/** The message as each decoder builds it: through JSON (when JSON can say it) and through CBOR, as the agent writes it and plain. */
function decodedForms(m: unknown): unknown[] {
  const forms: unknown[] = [];
  let json: string | undefined;
  try {
    json = JSON.stringify(m);
  } catch {
    // a bigint: JSON cannot carry it, CBOR can.
  }
  if (json !== undefined) forms.push(JSON.parse(json));
  const plain = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), new Encoder({ useRecords: false }).encode(m)]);
  for (const cbor of [encodeCbor(m), plain]) {
    const d = decodeCbor(cbor);
    if (d.ok) forms.push(d.value);
  }
  return forms;
}

describe('the hand-written telemetry check', () => {
  it('agrees with the compiled schema on random, mostly near-valid messages as JSON and CBOR decode them', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(message, (m) => {
        for (const x of decodedForms(m)) {
          const expected = schema.Check(x);
          expect(fast(x)).toBe(expected);
          if (expected) accepted++;
          else refused++;
        }
      }),
      { numRuns: 3000 },
    );
    // Both sides of every condition were exercised, not only refusals.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it('refuses what the schema refuses at the edges: 50 001 samples, 17 labels, a 257-character label value, a 129-character metric, non-finite values', () => {
    const s = { metric: 'gpu_power_watts', labels: { gpu: '0' }, value: 1 };
    const msg = (samples: unknown[]) => ({ v: 1, cluster: 'lab', node: 'gpu-07', seq: 1, ts: T0, samples });
    const cases: [unknown, boolean][] = [
      [msg(Array.from({ length: 50_000 }, () => s)), true],
      [msg(Array.from({ length: 50_001 }, () => s)), false],
      [msg([{ ...s, labels: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'v'])) }]), true],
      [msg([{ ...s, labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v'])) }]), false],
      [msg([{ ...s, labels: { gpu: 'x'.repeat(256) } }]), true],
      [msg([{ ...s, labels: { gpu: 'x'.repeat(257) } }]), false],
      [msg([{ ...s, metric: 'a'.repeat(128) }]), true],
      [msg([{ ...s, metric: 'a'.repeat(129) }]), false],
      [msg([{ ...s, value: NaN }]), false],
      [msg([{ ...s, value: Infinity }]), false],
      [msg([{ ...s, labels: Buffer.alloc(0) }]), false],
      [msg([{ ...s, labels: new Uint8Array(0) }]), false],
      [msg([Buffer.alloc(0)]), false],
      [{ ...msg([s]), seq: 2n ** 53n }, false],
      [{ ...msg([s]), ts: BigInt(T0) }, false],
    ];
    for (const [m, ok] of cases) {
      expect(schema.Check(m)).toBe(ok);
      expect(fast(m)).toBe(ok);
      for (const x of decodedForms(m)) expect(fast(x)).toBe(schema.Check(x));
    }
  });

  it('refuses a CBOR byte string where labels or a sample belong, empty or not', () => {
    const s = { metric: 'gpu_power_watts', value: 1 };
    const bytes = new Encoder({ useRecords: false, tagUint8Array: false });
    for (const hostile of [Buffer.alloc(0), Buffer.from('gpu')]) {
      for (const m of [{ v: 1, cluster: 'lab', node: 'gpu-07', seq: 1, ts: T0, samples: [{ ...s, labels: hostile }] }, { v: 1, cluster: 'lab', node: 'gpu-07', seq: 1, ts: T0, samples: [hostile] }]) {
        const d = decodeCbor(Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), bytes.encode(m)]));
        if (!d.ok) throw new Error(d.message);
        expect(schema.Check(d.value)).toBe(false);
        expect(fast(d.value)).toBe(false);
      }
    }
  });

  it('keeps refusing an invalid name after accepting more distinct valid ones than it remembers', () => {
    const msg = (metric: string) => ({ v: 1, cluster: 'lab', node: 'gpu-07', seq: 1, ts: T0, samples: [{ metric, labels: { [`l_${metric}`]: 'v' }, value: 1 }] });
    for (let i = 0; i < REMEMBERED_NAMES + 10; i++) expect(fast(msg(`m_${i}`))).toBe(true);
    expect(fast(msg('Not-A-Metric'))).toBe(false);
    expect(fast({ ...msg('m_1'), samples: [{ metric: 'm_1', labels: { 'bad-name': 'v' }, value: 1 }] })).toBe(false);
  });

  it('decodeMessage takes and refuses exactly what the compiled schema does, with the field it names', () => {
    fc.assert(
      fc.property(message, (m) => {
        let json: string;
        try {
          json = JSON.stringify(m);
        } catch {
          return;
        }
        const parsed: unknown = JSON.parse(json);
        const d = decodeMessage('telemetry', json);
        const versioned = typeof parsed === 'object' && parsed !== null && 'v' in parsed && parsed.v !== MESSAGE_VERSION;
        expect(d.ok).toBe(!versioned && schema.Check(parsed));
        if (!d.ok && !versioned) expect(d.error.field).toBe(schema.Errors(parsed).First()?.path || '/');
      }),
      { numRuns: 1000 },
    );
  });
});
