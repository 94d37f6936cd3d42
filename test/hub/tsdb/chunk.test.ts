import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, CHUNK_FORMAT_V2 } from '../../../hub/tsdb/chunk.js';
import { CODEC_BROTLI, CODEC_DEFLATE, CODEC_NONE } from '../../../hub/tsdb/compress.js';
import { openDatabase } from '../../../hub/tsdb/schema.js';
import { TimestampColumns } from '../../../hub/tsdb/timestamps.js';
import { Fleet, prng } from './helpers/workload.js';

const CSV_DIR = new URL('../../../../shared/fixtures/nvidia-smi-csv/', import.meta.url);

/** Exact equality that tells -0 from 0 and accepts NaN = NaN. */
function expectSameDoubles(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`index ${i}: got ${actual[i]}, want ${expected[i]}`);
  }
}

// The real timestamps table, in an in-memory database with the store's schema.
const columns = new TimestampColumns(openDatabase(':memory:', 'NORMAL', 3_600_000));
const encode = (ts: number[], values: number[], codec?: 0 | 1 | 2) => encodeChunk(columns.put(0, Float64Array.from(ts)), values, codec);

function roundTrip(ts: number[], values: number[], codec?: 0 | 1 | 2) {
  const decoded = decodeChunk(encode(ts, values, codec), columns);
  expectSameDoubles(decoded.ts, ts);
  expectSameDoubles(decoded.values, values);
}

const t0 = 1_767_571_200_000;
const seconds = (n: number) => Array.from({ length: n }, (_, i) => t0 + i * 1000);

describe('chunk encode/decode', () => {
  it.each([
    ['special doubles', [NaN, Infinity, -Infinity, -0, 0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 60, 0.1 + 0.2]],
    ['-0 among integers', [1, 2, -0, 3]],
    ['NaN among decimals', [39.32, NaN, 39.33]],
    ['a decimal too large to scale', [1e20, 1e20 + 65536, 3]],
    ['microjoule energy (6 digits)', [123.456789, 123.457123, 123.501001]],
    ['negative decimals', [-40.5, -40.25, -39.75, 0]],
    ['one sample', [42.5]],
    ['constant', [7, 7, 7, 7, 7]],
  ])('round-trips %s exactly', (_name, values) => {
    for (const codec of [CODEC_NONE, CODEC_DEFLATE, CODEC_BROTLI] as const) roundTrip(seconds(values.length), values, codec);
  });

  it('round-trips an empty chunk', () => {
    roundTrip([], []);
  });

  it('round-trips random doubles and random irregular timestamps', () => {
    const r = prng(42);
    for (let round = 0; round < 20; round++) {
      const n = 1 + Math.floor(r() * 3000);
      const ts: number[] = [];
      let t = 1e12 + Math.floor(r() * 1e12);
      const values: number[] = [];
      const view = new DataView(new ArrayBuffer(8));
      for (let i = 0; i < n; i++) {
        // Gaps from 1 ms to days, as after an agent outage.
        t += 1 + Math.floor(r() < 0.01 ? r() * 86_400_000 * 3 : r() * 2000);
        ts.push(t);
        // Arbitrary bit patterns: every double, including subnormals and NaNs.
        view.setUint32(0, Math.floor(r() * 2 ** 32));
        view.setUint32(4, Math.floor(r() * 2 ** 32));
        values.push(round % 2 ? view.getFloat64(0) : Math.round((r() - 0.5) * 10 ** (round % 7)) / 10 ** (round % 5));
      }
      roundTrip(ts, values);
    }
  });

  it('round-trips realistic GPU telemetry in under 0.4 byte a value (timestamps apart)', () => {
    const fleet = new Fleet(1, 1, t0, 11, 12);
    const cols = new Map<string, { ts: number[]; values: number[] }>();
    for (let s = 0; s < 3600; s++) {
      for (const row of fleet.next()) {
        const c = cols.get(row.metric) ?? { ts: [], values: [] };
        c.ts.push(row.ts);
        c.values.push(row.value);
        cols.set(row.metric, c);
      }
    }
    let bytes = 0;
    let samples = 0;
    for (const c of cols.values()) {
      const block = encode(c.ts, c.values);
      expectSameDoubles(decodeChunk(block, columns).values, c.values);
      bytes += block.length;
      samples += c.ts.length;
    }
    expect(samples).toBe(12 * 3600);
    // 0.39 with the byte planes (power 1.3, energy 1.3, the flat ones ~0); varint deltas took 0.55.
    expect(bytes / samples).toBeLessThan(0.45);
  });

  // Every numeric cell of every real --query-gpu capture, as a value column.
  const files = readdirSync(CSV_DIR).filter((f) => f.endsWith('.csv'));
  it.each(files)('round-trips the numeric values of %s exactly', (file) => {
    const values: number[] = [];
    for (const line of readFileSync(new URL(file, CSV_DIR), 'utf8').trim().split('\n').slice(1)) {
      for (const cell of line.split(', ')) {
        // `631.95 W`, `19818 MiB`, `100 %`, `59`
        const m = /^(-?\d+(?:\.\d+)?)(?: [A-Za-z%/]+)?$/.exec(cell.trim());
        if (m) values.push(Number(m[1]));
      }
    }
    expect(values.length).toBeGreaterThan(5);
    roundTrip(seconds(values.length), values);
  });

  it('keeps the H100 load power reading 631.95 W exact', () => {
    // h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv: `power.draw [W]` = `631.95 W`.
    const text = readFileSync(new URL('h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv', CSV_DIR), 'utf8');
    const [header, row] = text.trim().split('\n');
    const col = header!.split(', ').indexOf('power.draw [W]');
    const watts = Number(row!.split(', ')[col]!.replace(' W', ''));
    expect(watts).toBe(631.95);
    expect(decodeChunk(encode([t0], [watts]), columns).values[0]).toBe(631.95);
  });

  it('starts with the format byte and the codec byte', () => {
    const values = Array.from({ length: 500 }, (_, i) => 100 + (i % 10));
    const block = encode(seconds(500), values, CODEC_DEFLATE);
    expect(block[0]).toBe(CHUNK_FORMAT_V2);
    expect(block[1]).toBe(CODEC_DEFLATE);
    expect(encode(seconds(500), values, CODEC_NONE)[1]).toBe(CODEC_NONE);
  });

  it('refuses unsorted or duplicate timestamps and foreign blocks', () => {
    expect(() => encode([t0 + 1000, t0], [1, 2])).toThrow(/strictly increasing/);
    expect(() => encode([t0, t0], [1, 2])).toThrow(/strictly increasing/);
    expect(() => decodeChunk(Uint8Array.from([0x7f, 0, 0]), columns)).toThrow(/not a tsdb chunk/);
    const block = encode(seconds(100), seconds(100), CODEC_NONE);
    expect(() => decodeChunk(block.subarray(0, block.length - 5), columns)).toThrow(/truncated/);
    // A chunk whose count disagrees with its column, or that names a column that is not there.
    expect(() => decodeChunk(encodeChunk(columns.put(0, Float64Array.from(seconds(3))), [1, 2]), columns)).toThrow(/column of 3/);
    expect(() => decodeChunk(encodeChunk(12345, [1]), columns)).toThrow(/missing timestamp column 12345/);
  });

  it('stores each distinct timestamp column once, whatever the number of chunks referring to it', () => {
    const db = openDatabase(':memory:', 'NORMAL', 3_600_000);
    const own = new TimestampColumns(db);
    const nodeA = Float64Array.from(seconds(3600), (t, i) => t + (i % 7));
    const nodeB = Float64Array.from(seconds(3600), (t, i) => t + (i % 5));
    const refs = [own.put(0, nodeA), own.put(0, nodeB), own.put(0, nodeA.slice()), own.put(0, nodeB.slice())];
    expect(refs[2]).toBe(refs[0]);
    expect(refs[3]).toBe(refs[1]);
    expect(refs[0]).not.toBe(refs[1]);
    expect(db.prepare('SELECT count(*) FROM timestamps').pluck().get()).toBe(2);
    expectSameDoubles(own.get(refs[1]!), nodeB);
    // What get() returns is the caller's: changing it leaves the column as stored.
    own.get(refs[0]!).fill(0);
    expectSameDoubles(own.get(refs[0]!), nodeA);
  });
});
