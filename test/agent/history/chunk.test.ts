import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, mergePoints } from '../../../agent/history/chunk.js';

const MINUTE = 1_795_428_000_000;

describe('history chunks', () => {
  it('round-trips a minute exactly, 10 bytes a sample', () => {
    // Watts as nvidia-smi prints them ("631.95 W"), MiB-exact bytes, a negative, and both ends of the minute.
    const points: [number, number][] = [
      [MINUTE, 631.95],
      [MINUTE + 1_000, 19818 * 1024 * 1024],
      [MINUTE + 30_500, -1.5],
      [MINUTE + 59_999, 0.1 + 0.2],
    ];
    const enc = encodeChunk(MINUTE, points);
    expect(enc.offsets.length + enc.values.length).toBe(points.length * 10);
    expect(decodeChunk(MINUTE, enc)).toEqual(points);
  });

  it('writes the on-disk layout: little-endian uint16 offsets and float64 values, whatever the host', () => {
    const enc = encodeChunk(MINUTE, [[MINUTE + 258, 1], [MINUTE + 59_999, -2.5]]);
    expect([...enc.offsets]).toEqual([0x02, 0x01, 0x5f, 0xea]);
    expect([...enc.values]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0xc0]);
  });

  it('decodes columns that sit inside a larger buffer (a blob read back may be a slice)', () => {
    const enc = encodeChunk(MINUTE, [[MINUTE + 7, 631.95], [MINUTE + 1_000, 3]]);
    const backing = Buffer.alloc(64);
    enc.offsets.copy(backing, 3);
    enc.values.copy(backing, 17);
    const sliced = { offsets: backing.subarray(3, 3 + enc.offsets.length), values: backing.subarray(17, 17 + enc.values.length) };
    expect(decodeChunk(MINUTE, sliced)).toEqual([[MINUTE + 7, 631.95], [MINUTE + 1_000, 3]]);
  });

  it.each([MINUTE - 1, MINUTE + 60_000, MINUTE + 0.5])('refuses a sample at %d outside the minute', (ts) => {
    expect(() => encodeChunk(MINUTE, [[ts, 1]])).toThrow(/outside the minute/);
  });

  it('refuses a chunk whose columns disagree', () => {
    const enc = encodeChunk(MINUTE, [[MINUTE, 1], [MINUTE + 1, 2]]);
    expect(() => decodeChunk(MINUTE, { offsets: enc.offsets, values: enc.values.subarray(8) })).toThrow(/corrupt chunk/);
  });

  it('merges sorted points, the newer list winning on equal times', () => {
    expect(mergePoints([[1, 10], [3, 30], [5, 50]], [[2, 20], [3, 33], [6, 60]])).toEqual([[1, 10], [2, 20], [3, 33], [5, 50], [6, 60]]);
    expect(mergePoints([], [[1, 1]])).toEqual([[1, 1]]);
    expect(mergePoints([[1, 1]], [])).toEqual([[1, 1]]);
  });
});
