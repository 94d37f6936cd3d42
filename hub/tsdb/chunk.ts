import { ByteReader, ByteWriter } from './bytes.js';
import { readTimestamps, readValues, writeValues } from './columns.js';
import { packBlock, unpackBlock, type Codec } from './compress.js';
import type { TimestampSource } from './timestamps.js';

/** Block format byte of a raw chunk with its own timestamps, written until user_version 1 and still read (docs/tsdb.md). */
export const CHUNK_FORMAT_V1 = 0x01;
/** Block format byte of a raw chunk whose timestamps are a shared column of the `timestamps` table. */
export const CHUNK_FORMAT_V2 = 0x03;

/** Samples of one series, sorted by time, no duplicate timestamps. */
export interface SampleColumns {
  ts: Float64Array;
  values: Float64Array;
}

/**
 * Encodes a chunk's values as [format, codec, compressed(count, timestamp
 * column ref, values)]; the timestamps are the column `tsRef` of the
 * timestamps table (timestamps.ts), shared with the node's other series.
 * Bytes only: which window or series a chunk belongs to is the caller's
 * business (the row key).
 */
export function encodeChunk(tsRef: number, values: ArrayLike<number>, codec?: Codec): Uint8Array {
  const n = values.length;
  const w = new ByteWriter();
  w.uvarint(n);
  w.uvarint(tsRef);
  writeValues(w, values, n);
  return packBlock(CHUNK_FORMAT_V2, w.finish(), codec);
}

/** Decodes a chunk, of either format; `timestamps` resolves a V2 chunk's column. */
export function decodeChunk(block: Uint8Array, timestamps: TimestampSource): SampleColumns {
  const { format, payload } = unpackBlock(block);
  if (format !== CHUNK_FORMAT_V1 && format !== CHUNK_FORMAT_V2) throw new Error(`not a tsdb chunk (format ${format})`);
  const r = new ByteReader(payload);
  const n = r.uvarint();
  const ts = format === CHUNK_FORMAT_V1 ? readTimestamps(r, n) : timestamps.get(r.uvarint());
  if (ts.length !== n) throw new Error(`tsdb chunk of ${n} samples refers to a timestamp column of ${ts.length}`);
  const values = readValues(r, n);
  return { ts, values };
}
