import type { Bucket } from '../../shared/query/types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { readTimestamps, readValues, writeTimestamps, writeValues } from './columns.js';
import { CODEC_NONE, packBlock, unpackBlock, type Codec } from './compress.js';

/** Block format byte of a rollup block, version 1 (docs/tsdb.md). */
export const ROLLUP_FORMAT_V1 = 0x02;

/** The value columns of a bucket, in their on-disk order after `ts`. */
const COLUMNS = ['count', 'min', 'max', 'sum', 'first', 'last', 'increase'] as const;

/**
 * Encodes buckets (sorted by ts, distinct) column by column, like a raw
 * chunk. Uncompressed by default: a 60-bucket block is ~950 bytes plain,
 * ~770 with brotli, and reads skip the decompressor's start-up (21 vs 35 us
 * a block), which is what a 1000-series dashboard query pays per series.
 */
export function encodeBuckets(buckets: readonly Bucket[], codec: Codec = CODEC_NONE): Uint8Array {
  const n = buckets.length;
  const w = new ByteWriter();
  w.uvarint(n);
  writeTimestamps(
    w,
    buckets.map((b) => b.ts),
    n,
  );
  for (const col of COLUMNS) {
    writeValues(
      w,
      buckets.map((b) => b[col]),
      n,
    );
  }
  return packBlock(ROLLUP_FORMAT_V1, w.finish(), codec);
}

/** Decodes a block written by encodeBuckets. */
export function decodeBuckets(block: Uint8Array): Bucket[] {
  const { format, payload } = unpackBlock(block);
  if (format !== ROLLUP_FORMAT_V1) throw new Error(`not a tsdb rollup block (format ${format})`);
  const r = new ByteReader(payload);
  const n = r.uvarint();
  const ts = readTimestamps(r, n);
  const cols = COLUMNS.map(() => readValues(r, n));
  const [count, min, max, sum, first, last, increase] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const out: Bucket[] = new Array<Bucket>(n);
  for (let i = 0; i < n; i++) {
    out[i] = { ts: ts[i]!, min: min[i]!, max: max[i]!, sum: sum[i]!, count: count[i]!, first: first[i]!, last: last[i]!, increase: increase[i]! };
  }
  return out;
}
