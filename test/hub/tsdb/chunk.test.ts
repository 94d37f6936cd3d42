import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, CHUNK_FORMAT_V1 } from '../../../hub/tsdb/chunk.js';
import { CODEC_BROTLI, CODEC_DEFLATE, CODEC_NONE } from '../../../hub/tsdb/compress.js';
import { Fleet, prng } from './helpers/workload.js';

const CSV_DIR = new URL('../../../../shared/fixtures/nvidia-smi-csv/', import.meta.url);

/** Exact equality that tells -0 from 0 and accepts NaN = NaN. */
function expectSameDoubles(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`index ${i}: got ${actual[i]}, want ${expected[i]}`);
  }
}

function roundTrip(ts: number[], values: number[], codec?: 0 | 1 | 2) {
  const decoded = decodeChunk(encodeChunk(ts, values, codec));
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

  it('round-trips realistic GPU telemetry and stays well under 3 bytes a sample', () => {
    const fleet = new Fleet(1, 1, t0, 11);
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
      const block = encodeChunk(c.ts, c.values);
      expectSameDoubles(decodeChunk(block).values, c.values);
      bytes += block.length;
      samples += c.ts.length;
    }
    expect(samples).toBe(8 * 3600);
    expect(bytes / samples).toBeLessThan(2);
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
    expect(decodeChunk(encodeChunk([t0], [watts])).values[0]).toBe(631.95);
  });

  it('starts with the format byte and the codec byte', () => {
    const values = Array.from({ length: 500 }, (_, i) => 100 + (i % 10));
    const block = encodeChunk(seconds(500), values, CODEC_DEFLATE);
    expect(block[0]).toBe(CHUNK_FORMAT_V1);
    expect(block[1]).toBe(CODEC_DEFLATE);
    expect(encodeChunk(seconds(500), values, CODEC_NONE)[1]).toBe(CODEC_NONE);
  });

  it('refuses unsorted or duplicate timestamps and foreign blocks', () => {
    expect(() => encodeChunk([t0 + 1000, t0], [1, 2])).toThrow(/strictly increasing/);
    expect(() => encodeChunk([t0, t0], [1, 2])).toThrow(/strictly increasing/);
    expect(() => decodeChunk(Uint8Array.from([0x7f, 0, 0]))).toThrow(/not a tsdb chunk/);
    const block = encodeChunk(seconds(100), seconds(100), CODEC_NONE);
    expect(() => decodeChunk(block.subarray(0, block.length - 5))).toThrow(/truncated/);
  });
});
