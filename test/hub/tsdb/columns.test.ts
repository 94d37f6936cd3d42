import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, unzigzag, zigzag } from '../../../hub/tsdb/bytes.js';
import { decimalDigits, readValues, writeValues } from '../../../hub/tsdb/columns.js';

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

describe('value columns', () => {
  const column = (values: number[]) => {
    const w = new ByteWriter();
    writeValues(w, values, values.length);
    return w.finish();
  };

  it('picks delta-of-delta for a steadily growing counter and delta for a noisy gauge', () => {
    const counter = Array.from({ length: 100 }, (_, i) => 1000 + i * 612.5);
    const gauge = [50, 52, 49, 51, 50, 53, 48];
    // Mode byte 1 = decimal delta-of-delta, 0 = decimal delta, 2 = XOR (docs/tsdb.md).
    expect(column(counter)[0]).toBe(1);
    expect(column(gauge)[0]).toBe(0);
    expect(column([0.1 + 0.2, 1])[0]).toBe(2);
    expect([...readValues(new ByteReader(column(counter)), 100)]).toEqual(counter);
    expect([...readValues(new ByteReader(column(gauge)), 7)]).toEqual(gauge);
  });

  it('stores a steady counter in about one byte a sample', () => {
    const counter = Array.from({ length: 1000 }, (_, i) => 5_000_000 + i * 612.5);
    expect(column(counter).length).toBeLessThan(1020);
  });
});
