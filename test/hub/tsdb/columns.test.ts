import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, unzigzag, zigzag } from '../../../hub/tsdb/bytes.js';
import { decimalDigits, readValues, writeValues } from '../../../hub/tsdb/columns.js';
import { prng } from './helpers/workload.js';

describe('varints', () => {
  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 32 + 7, 1_767_571_200_000, Number.MAX_SAFE_INTEGER])('round-trips unsigned %d', (v) => {
    const w = new ByteWriter();
    w.uvarint(v);
    expect(new ByteReader(w.finish()).uvarint()).toBe(v);
  });

  it('writes LEB128: 300 is AC 02', () => {
    const w = new ByteWriter();
    w.uvarint(300);
    expect([...w.finish()]).toEqual([0xac, 0x02]);
  });

  it.each([
    [0, 0],
    [-1, 1],
    [1, 2],
    [-2, 3],
    [2 ** 40, 2 ** 41],
    [-(2 ** 40), 2 ** 41 - 1],
  ])('zigzags %d to %d and back', (v, z) => {
    expect(zigzag(v)).toBe(z);
    expect(unzigzag(z)).toBe(v);
  });

  it('reads signed varint runs with the fast path and the long path mixed', () => {
    const values = [0, -1, 63, -64, 64, -65, 1_000_000, -(2 ** 51), 2 ** 51, 5];
    const w = new ByteWriter();
    for (const v of values) w.svarint(v);
    const out = new Float64Array(values.length);
    new ByteReader(w.finish()).svarints(values.length, out);
    expect([...out]).toEqual(values);
  });
});

describe('decimalDigits', () => {
  it.each([
    ['nvidia-smi power `39.32 W`', [39.32, 631.95], 2],
    ['integers (`220` RPM, `59` C)', [220, 59, 0], 0],
    ['one decimal', [12.5, 3], 1],
    ['microjoules as joules', [0.000001, 123.456789], 6],
    ['a float sum artefact', [0.1 + 0.2], -1],
    ['NaN', [1, NaN], -1],
    ['Infinity', [Infinity], -1],
    ['-0', [-0], -1],
    ['beyond 2^49 once scaled', [1e15], -1],
  ])('%s', (_name, values, digits) => {
    expect(decimalDigits(values, 0, values.length)).toBe(digits);
  });
});

/** Power readings with 2 decimals around 600 W. */
function noisy(n: number): number[] {
  const r = prng(3);
  return Array.from({ length: n }, () => Math.round((570 + r() * 60) * 100) / 100);
}

/** An energy counter in joules from millijoules, growing by those readings each second. */
function energy(n: number): number[] {
  let mj = 123_456_789;
  return noisy(n).map((w) => (mj += Math.round(w * 1000)) / 1000);
}

describe('value columns', () => {
  const column = (values: number[]) => {
    const w = new ByteWriter();
    writeValues(w, values, values.length);
    return w.finish();
  };

  // Mode byte 3 = decimal byte planes, then the scale, then the transform: 0 offset from the minimum, 1 delta,
  // 2 delta of delta (docs/tsdb.md); 0 = varint deltas for short columns, 2 = XOR.
  it.each([
    // A constant step is all zeros in both delta and delta of delta (delta wins the tie); a steadily growing one is not.
    ['a steadily accelerating counter: delta of delta', Array.from({ length: 100 }, (_, i) => 1000 + i * 612.5 + i * i * 0.25), 2],
    ['energy, whose steps are noisy power readings: delta', energy(400), 1],
    ['a noisy gauge (power): offset from the minimum', noisy(400), 0],
  ])('picks the transform for %s and round-trips it exactly', (_name, values, transform) => {
    const bytes = column(values);
    expect(bytes[0]).toBe(3);
    expect(bytes[2]).toBe(transform);
    expect([...readValues(new ByteReader(bytes), values.length)]).toEqual(values);
  });

  it('writes short columns as varint deltas and non-decimals as XOR', () => {
    const gauge = [50, 52, 49, 51, 50, 53, 48];
    expect(column(gauge)[0]).toBe(0);
    expect([...readValues(new ByteReader(column(gauge)), 7)]).toEqual(gauge);
    expect(column([0.1 + 0.2, 1])[0]).toBe(2);
  });

  it.each([
    ['integers at the scaling limit', Array.from({ length: 50 }, (_, i) => (i % 2 ? 1 : -1) * (2 ** 49 - 1 - i))],
    ['a counter that resets', Array.from({ length: 50 }, (_, i) => (i % 17) * 1000.125)],
    ['bytes from MiB (gcd 2^20)', Array.from({ length: 50 }, (_, i) => (19818 + (i % 3) * 256) * 1048576)],
    ['one value repeated', new Array<number>(50).fill(-7.25)],
    ['millijoules as joules', energy(50)],
  ])('round-trips %s exactly in every transform', (_name, values) => {
    expect([...readValues(new ByteReader(column(values)), values.length)]).toEqual(values);
  });

  it('divides out a common step: energy in millijoules of 2-decimal power costs what the power does', () => {
    const power = noisy(3600);
    const e = energy(3600);
    expect(column(e).length).toBeLessThan(column(power).length * 1.1);
  });

  it('stores a steady counter in about one byte a sample', () => {
    const counter = Array.from({ length: 1000 }, (_, i) => 5_000_000 + i * 612.5);
    expect(column(counter).length).toBeLessThan(1020);
  });
});
