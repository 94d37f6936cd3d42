/**
 * The bytes of one sealed minute of one series: sample times as uint16
 * millisecond offsets from the minute's start (0..59 999 fits), values as
 * float64, both little-endian. 10 bytes a sample, exact; no SQL here.
 */
export interface EncodedChunk {
  offsets: Buffer;
  values: Buffer;
}

/** Encodes the points of one minute (`[ts, value]`, ts within [minute, minute + 60 s), sorted, distinct). */
export function encodeChunk(minute: number, points: readonly (readonly [number, number])[]): EncodedChunk {
  const offsets = Buffer.alloc(points.length * 2);
  const values = Buffer.alloc(points.length * 8);
  points.forEach(([ts, v], i) => {
    const off = ts - minute;
    if (!Number.isInteger(off) || off < 0 || off >= 60_000) throw new RangeError(`sample at ${ts} is outside the minute starting ${minute}`);
    offsets.writeUInt16LE(off, i * 2);
    values.writeDoubleLE(v, i * 8);
  });
  return { offsets, values };
}

/** Decodes a chunk back into `[ts, value]` points. */
export function decodeChunk(minute: number, chunk: EncodedChunk): [number, number][] {
  const n = chunk.offsets.length / 2;
  if (chunk.values.length !== n * 8) throw new Error(`corrupt chunk at ${minute}: ${n} offsets, ${chunk.values.length / 8} values`);
  const out: [number, number][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = [minute + chunk.offsets.readUInt16LE(i * 2), chunk.values.readDoubleLE(i * 8)];
  return out;
}

/** Merges two sorted point lists; on equal times the newer list (`b`) wins, as a re-sent sample replaces the old one. */
export function mergePoints(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const pa = a[i];
    const pb = b[j];
    if (pb === undefined || (pa !== undefined && pa[0] < pb[0])) {
      out.push(pa!);
      i++;
    } else {
      if (pa !== undefined && pa[0] === pb[0]) i++;
      out.push(pb);
      j++;
    }
  }
  return out;
}
