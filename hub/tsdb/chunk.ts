import { ByteReader, ByteWriter } from './bytes.js';
import { readTimestamps, readValues, writeTimestamps, writeValues } from './columns.js';
import { packBlock, unpackBlock, type Codec } from './compress.js';

/** Block format byte of a raw-samples chunk, version 1 (docs/tsdb.md). */
export const CHUNK_FORMAT_V1 = 0x01;

/** Samples of one series, sorted by time, no duplicate timestamps. */
export interface SampleColumns {
  ts: Float64Array;
  values: Float64Array;
}

/**
 * Encodes sorted samples as [format, codec, compressed(count, timestamps,
 * values)]. Bytes only: which window or series a chunk belongs to is the
 * caller's business (the row key).
 */
export function encodeChunk(ts: ArrayLike<number>, values: ArrayLike<number>, codec?: Codec): Uint8Array {
  const n = ts.length;
  if (values.length !== n) throw new Error('encodeChunk: timestamps and values differ in length');
  for (let i = 1; i < n; i++) {
    if (!(ts[i]! > ts[i - 1]!)) throw new Error('encodeChunk: timestamps must be strictly increasing');
  }
  const w = new ByteWriter();
  w.uvarint(n);
  writeTimestamps(w, ts, n);
  writeValues(w, values, n);
  return packBlock(CHUNK_FORMAT_V1, w.finish(), codec);
}

/** Decodes a chunk written by encodeChunk. */
export function decodeChunk(block: Uint8Array): SampleColumns {
  const { format, payload } = unpackBlock(block);
  if (format !== CHUNK_FORMAT_V1) throw new Error(`not a tsdb chunk (format ${format})`);
  const r = new ByteReader(payload);
  const n = r.uvarint();
  const ts = readTimestamps(r, n);
  const values = readValues(r, n);
  return { ts, values };
}
