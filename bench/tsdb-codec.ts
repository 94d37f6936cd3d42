/**
 * Chunk codec comparison: bytes per sample and encode/decode time of the
 * value columns alone, with deflate-raw, and with brotli at a few
 * qualities, on realistic GPU telemetry (test/hub/tsdb/helpers/workload.ts,
 * the 12-metric GPU of issue 20), for 1 h and 2 h windows; plus the shared
 * timestamp columns, one per node and window. The figures behind
 * hub/tsdb/compress.ts.
 *
 *   npx tsx bench/tsdb-codec.ts
 */
import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib';
import { decodeChunk, encodeChunk } from '../hub/tsdb/chunk.js';
import { ByteWriter } from '../hub/tsdb/bytes.js';
import { writeValues } from '../hub/tsdb/columns.js';
import { CODEC_NONE, unpackBlock } from '../hub/tsdb/compress.js';
import { Fleet } from '../test/hub/tsdb/helpers/workload.js';

const HOURS = 4;
const fleet = new Fleet(2, 8, Date.UTC(2026, 0, 5), 7, 12);
const series = new Map<string, { metric: string; ts: number[]; values: number[] }>();
for (let s = 0; s < HOURS * 3600; s++) {
  for (const row of fleet.next()) {
    const key = `${row.metric}${JSON.stringify(row.labels)}`;
    let col = series.get(key);
    if (!col) series.set(key, (col = { metric: row.metric, ts: [], values: [] }));
    col.ts.push(row.ts);
    col.values.push(row.value);
  }
}

type Compressor = [name: string, fn: (b: Uint8Array) => Uint8Array];
const brotli = (q: number): Compressor => [
  `brotli q${q}`,
  (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_LGWIN]: 16 } }),
];
const compressors: Compressor[] = [['varint only', (b) => b], ['deflate-raw 6', (b) => deflateRawSync(b, { level: 6 })], brotli(4), brotli(5), brotli(6), brotli(9), brotli(11)];

for (const windowH of [1, 2]) {
  const window = windowH * 3600_000;
  const chunks: { metric: string; payload: Uint8Array; n: number }[] = [];
  // One timestamp column per node and window, stored once (hub/tsdb/timestamps.ts): encoded as there.
  const tsColumns = new Map<string, Uint8Array>();
  for (const col of series.values()) {
    let i = 0;
    while (i < col.ts.length) {
      const w = Math.floor(col.ts[i]! / window);
      let j = i;
      while (j < col.ts.length && Math.floor(col.ts[j]! / window) === w) j++;
      const block = encodeChunk(0, col.values.slice(i, j), CODEC_NONE);
      chunks.push({ metric: col.metric, payload: unpackBlock(block).payload, n: j - i });
      const tw = new ByteWriter();
      tw.uvarint(j - i);
      writeValues(tw, col.ts.slice(i, j), j - i);
      tsColumns.set(col.ts.slice(i, j).join(), tw.finish());
      i = j;
    }
  }
  const samples = chunks.reduce((a, c) => a + c.n, 0);
  console.log(`\n${windowH} h windows: ${chunks.length} chunks, ${samples} samples (${series.size} series), ${tsColumns.size} timestamp columns`);
  for (const [name, fn] of compressors) {
    const t0 = performance.now();
    let bytes = 0;
    for (const c of chunks) bytes += fn(c.payload).length + 2;
    const ms = performance.now() - t0;
    let tsBytes = 0;
    for (const c of tsColumns.values()) tsBytes += fn(c).length + 2;
    console.log(
      `  ${name.padEnd(14)} values ${(bytes / samples).toFixed(3)} + timestamps ${(tsBytes / samples).toFixed(4)} B/sample   compress ${((ms * 1000) / chunks.length).toFixed(0)} us/chunk`,
    );
  }
  const perMetric = new Map<string, { bytes: number; n: number }>();
  for (const c of chunks) {
    const e = perMetric.get(c.metric) ?? { bytes: 0, n: 0 };
    e.bytes += c.payload.length;
    e.n += c.n;
    perMetric.set(c.metric, e);
  }
  console.log('  varint bytes/sample per metric:', [...perMetric].map(([m, e]) => `${m} ${(e.bytes / e.n).toFixed(2)}`).join(', '));
}

const col = [...series.values()][0]!;
const ts = Float64Array.from(col.ts.slice(0, 3600));
const block = encodeChunk(0, col.values.slice(0, 3600));
const t0 = performance.now();
const N = 2000;
// The timestamp column as a cache hit (timestamps.ts copies it out of its LRU).
for (let i = 0; i < N; i++) decodeChunk(block, { get: () => ts.slice() });
console.log(`\ndecode of a 3600-sample brotli chunk (${col.metric}), timestamps cached: ${(((performance.now() - t0) * 1000) / N).toFixed(1)} us`);
