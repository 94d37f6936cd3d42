import { describe, expect, it } from 'vitest';
import type { Bucket } from '../../../shared/query/types.js';
import { computeBuckets } from '../../../hub/tsdb/rollup.js';
import { CODEC_NONE } from '../../../hub/tsdb/compress.js';
import { decodeBuckets, encodeBuckets, ROLLUP_FORMAT_V2 } from '../../../hub/tsdb/rollup-block.js';
import { prng } from './helpers/workload.js';

const M = 60_000;

/** The obvious implementation, sample by sample, to compare against. */
function bruteForce(ts: number[], values: number[], res: number, counter: boolean): Bucket[] {
  const byStart = new Map<number, number[]>();
  ts.forEach((t, i) => {
    const k = Math.floor(t / res) * res;
    byStart.set(k, [...(byStart.get(k) ?? []), values[i]!]);
  });
  return [...byStart].map(([start, vs]) => {
    let increase = 0;
    for (let i = 1; i < vs.length; i++) increase += !counter ? 0 : vs[i]! >= vs[i - 1]! ? vs[i]! - vs[i - 1]! : vs[i]!;
    return { ts: start, min: Math.min(...vs), max: Math.max(...vs), sum: vs.reduce((a, b) => a + b, 0), count: vs.length, first: vs[0]!, last: vs.at(-1)!, increase };
  });
}

function expectBucketsClose(actual: Bucket[], expected: Bucket[]) {
  expect(actual.map((b) => [b.ts, b.count, b.min, b.max, b.first, b.last])).toEqual(expected.map((b) => [b.ts, b.count, b.min, b.max, b.first, b.last]));
  actual.forEach((b, i) => {
    expect(b.sum).toBeCloseTo(expected[i]!.sum, 6);
    expect(b.increase).toBeCloseTo(expected[i]!.increase, 6);
  });
}

describe('computeBuckets', () => {
  it('summarises a hand-checked gauge', () => {
    const ts = [1_000, 2_000, 61_000, 119_999, 240_000];
    const values = [1.5, 2.25, 0.75, 3, 10];
    expect(computeBuckets(ts, values, 0, 5, M, false)).toEqual([
      { ts: 0, min: 1.5, max: 2.25, sum: 3.75, count: 2, first: 1.5, last: 2.25, increase: 0 },
      { ts: 60_000, min: 0.75, max: 3, sum: 3.75, count: 2, first: 0.75, last: 3, increase: 0 },
      { ts: 240_000, min: 10, max: 10, sum: 10, count: 1, first: 10, last: 10, increase: 0 },
    ]);
  });

  it('counts a counter reset as a restart from zero', () => {
    // 10 -> 15 (+5) -> 3 (reset: +3) -> 8 (+5) = 13 inside the minute.
    const buckets = computeBuckets([0, 1000, 2000, 3000], [10, 15, 3, 8], 0, 4, M, true);
    expect(buckets).toEqual([{ ts: 0, min: 3, max: 15, sum: 36, count: 4, first: 10, last: 8, increase: 13 }]);
  });

  it('adds decimals exactly: sixty readings of 0.1 W sum to 6', () => {
    const ts = Array.from({ length: 60 }, (_, i) => i * 1000);
    const [b] = computeBuckets(ts, Array<number>(60).fill(0.1), 0, 60, M, false);
    expect(b!.sum).toBe(6);
  });

  it('keeps NaN readings out of min and max', () => {
    const [b] = computeBuckets([0, 1000, 2000], [5, NaN, 7], 0, 3, M, false);
    expect([b!.min, b!.max, b!.count]).toEqual([5, 7, 3]);
  });

  it.each([
    ['gauge, 1 m', M, false],
    ['gauge, 1 h', 3_600_000, false],
    ['energy counter with resets, 1 m', M, true],
    ['energy counter with resets, 1 h', 3_600_000, true],
  ] as const)('equals brute force on random data: %s', (_name, res, counter) => {
    const r = prng(res + (counter ? 1 : 0));
    const ts: number[] = [];
    const values: number[] = [];
    let t = 1_767_571_200_000 + Math.floor(r() * 1000);
    let energy = 5_000;
    for (let i = 0; i < 9000; i++) {
      t += 900 + Math.floor(r() * 200);
      ts.push(t);
      if (counter) {
        energy = r() < 0.001 ? Math.round(r() * 100) / 1000 : energy + Math.round(r() * 700_000) / 1000;
        values.push(energy);
      } else values.push(Math.round(r() * 70_000) / 100);
    }
    expectBucketsClose(computeBuckets(ts, values, 0, ts.length, res, counter), bruteForce(ts, values, res, counter));
  });

  it('respects the [from, to) slice', () => {
    const ts = [0, 1000, 60_000, 61_000];
    expect(computeBuckets(ts, [1, 2, 3, 4], 1, 3, M, false).map((b) => [b.ts, b.count, b.sum])).toEqual([
      [0, 1, 2],
      [60_000, 1, 3],
    ]);
  });
});

describe('rollup blocks', () => {
  it('round-trip buckets exactly, special values included', () => {
    const buckets: Bucket[] = [
      { ts: 0, min: 1.5, max: 2.25, sum: 3.75, count: 2, first: 1.5, last: 2.25, increase: 0 },
      { ts: 60_000, min: -0, max: Infinity, sum: NaN, count: 60, first: 1e308, last: 5e-324, increase: 0.1 + 0.2 },
      { ts: 180_000, min: 0, max: 0, sum: 0, count: 1, first: 0, last: 0, increase: 0 },
    ];
    const out = decodeBuckets(encodeBuckets(buckets));
    expect(out.length).toBe(3);
    out.forEach((b, i) => {
      for (const k of Object.keys(b) as (keyof Bucket)[]) {
        if (!Object.is(b[k], buckets[i]![k])) throw new Error(`bucket ${i} ${k}: ${b[k]} != ${buckets[i]![k]}`);
      }
    });
    expect(decodeBuckets(encodeBuckets([]))).toEqual([]);
  });

  it('writes a column that repeats an earlier one as a reference to it, and reads it back', () => {
    // A counter's min is its first and its max its last; NaN and -0 repeat bit for bit too.
    const counter: Bucket[] = Array.from({ length: 60 }, (_, i) => {
      const first = 1e6 + i * 612.25;
      const last = first + 600.5;
      return { ts: i * 60_000, min: first, max: last, sum: first * 60, count: 60, first, last, increase: 600.5 };
    });
    const flat: Bucket[] = counter.map((b) => ({ ...b, min: NaN, max: NaN, first: NaN, last: NaN, sum: -0, increase: -0 }));
    for (const buckets of [counter, flat]) {
      const block = encodeBuckets(buckets, CODEC_NONE);
      expect(block[0]).toBe(ROLLUP_FORMAT_V2);
      const out = decodeBuckets(block);
      out.forEach((b, i) => {
        for (const k of Object.keys(b) as (keyof Bucket)[]) {
          if (!Object.is(b[k], buckets[i]![k])) throw new Error(`bucket ${i} ${k}: ${b[k]} != ${buckets[i]![k]}`);
        }
      });
    }
    // min/max as references: smaller than the same buckets with min and max of their own.
    const own = counter.map((b) => ({ ...b, min: b.first - 0.25, max: b.last + 0.25 }));
    expect(encodeBuckets(counter, CODEC_NONE).length).toBeLessThan(encodeBuckets(own, CODEC_NONE).length);
    // A reference to a later or the same column is corrupt.
    // [format, codec none, 1 bucket, ts 0, column 0 tagged as a reference to column 0]
    expect(() => decodeBuckets(Uint8Array.from([ROLLUP_FORMAT_V2, CODEC_NONE, 1, 0, 0]))).toThrow(/rollup column reference 0/);
  });
});
