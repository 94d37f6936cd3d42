import { ByteReader, ByteWriter, uvarintSize, zigzag } from './bytes.js';

/**
 * Column codecs shared by raw chunks and rollup blocks (byte layouts in
 * docs/tsdb.md). Timestamps: delta-of-delta varints, so a steady 1 s
 * cadence with a few ms of jitter costs about one byte. Values: when every
 * value of the column is a short decimal (nvidia-smi prints `39.32`,
 * ipmitool `220`), the values are scaled to integers and stored as
 * delta or delta-of-delta varints, whichever is smaller; anything else (NaN,
 * ±Inf, -0, long fractions from computed rates) falls back to XOR of the
 * IEEE bits, which is exact for every double.
 */

/** Value column modes (the byte after the column starts). */
const DECIMAL_DELTA = 0;
const DECIMAL_DOD = 1;
const XOR = 2;

/** Largest decimal scale tried: RAPL joules come from microjoules (6 digits). */
const MAX_DIGITS = 9;
/**
 * Scaled integers stay below 2^49 so that deltas of deltas (at most 4x) still
 * zigzag to exact doubles.
 */
const MAX_SCALED = 2 ** 49;

const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, d) => 10 ** d);

/** Writes `n` integer timestamps (ms) as first, first delta, then deltas of deltas. */
export function writeTimestamps(w: ByteWriter, ts: ArrayLike<number>, n: number): void {
  if (n === 0) return;
  w.svarint(ts[0]!);
  if (n === 1) return;
  let prevDelta = ts[1]! - ts[0]!;
  w.svarint(prevDelta);
  for (let i = 2; i < n; i++) {
    const delta = ts[i]! - ts[i - 1]!;
    w.svarint(delta - prevDelta);
    prevDelta = delta;
  }
}

/** Reads what writeTimestamps wrote. */
export function readTimestamps(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  r.svarints(n, out);
  // out holds [first, first delta, dod, dod, ...]: integrate twice in place.
  let delta = 0;
  for (let i = 1; i < n; i++) {
    delta = i === 1 ? out[1]! : delta + out[i]!;
    out[i] = out[i - 1]! + delta;
  }
  return out;
}

/**
 * Smallest number of decimal digits d such that every value in [from, to) is
 * exactly `integer / 10^d` (so decoding reproduces the same double), or -1.
 */
export function decimalDigits(values: ArrayLike<number>, from: number, to: number): number {
  let d = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    // -0 would come back as +0 from an integer.
    if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
    for (;;) {
      const p = POW10[d]!;
      const scaled = Math.round(v * p);
      if (Math.abs(scaled) >= MAX_SCALED) return -1;
      if (scaled / p === v) break;
      if (++d > MAX_DIGITS) return -1;
    }
  }
  return d;
}

/** Writes a value column, choosing the smallest exact mode. */
export function writeValues(w: ByteWriter, values: ArrayLike<number>, n: number): void {
  const d = decimalDigits(values, 0, n);
  if (d < 0) {
    w.byte(XOR);
    writeXor(w, values, n);
    return;
  }
  const p = POW10[d]!;
  const ints = new Float64Array(n);
  for (let i = 0; i < n; i++) ints[i] = Math.round(values[i]! * p);
  // Counters (energy) grow at a near-constant rate: their deltas of deltas are
  // smaller than their deltas. Gauges are the other way round.
  let deltaSize = 0;
  let dodSize = 0;
  for (let i = 1; i < n; i++) {
    const delta = ints[i]! - ints[i - 1]!;
    deltaSize += uvarintSize(zigzag(delta));
    dodSize += uvarintSize(zigzag(i === 1 ? delta : delta - (ints[i - 1]! - ints[i - 2]!)));
  }
  const dod = dodSize < deltaSize;
  w.byte(dod ? DECIMAL_DOD : DECIMAL_DELTA);
  w.byte(d);
  if (dod) writeTimestamps(w, ints, n);
  else {
    if (n > 0) w.svarint(ints[0]!);
    for (let i = 1; i < n; i++) w.svarint(ints[i]! - ints[i - 1]!);
  }
}

/** Reads what writeValues wrote. */
export function readValues(r: ByteReader, n: number): Float64Array {
  const mode = r.byte();
  if (mode === XOR) return readXor(r, n);
  if (mode !== DECIMAL_DELTA && mode !== DECIMAL_DOD) throw new Error(`unknown tsdb value column mode ${mode}`);
  const d = r.byte();
  if (d > MAX_DIGITS) throw new Error(`invalid tsdb decimal scale ${d}`);
  const p = POW10[d]!;
  let out: Float64Array;
  if (mode === DECIMAL_DOD) out = readTimestamps(r, n);
  else {
    out = new Float64Array(n);
    r.svarints(n, out);
    for (let i = 1; i < n; i++) out[i] = out[i - 1]! + out[i]!;
  }
  if (p !== 1) for (let i = 0; i < n; i++) out[i] = out[i]! / p;
  return out;
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * XOR of each value's IEEE bits with the previous value's, written as a
 * control byte (0 = identical, else 1 + 8 * leading zero bytes + trailing
 * zero bytes) and the bytes in between. Byte-aligned so the block compressor
 * still finds the repeats.
 */
function writeXor(w: ByteWriter, values: ArrayLike<number>, n: number): void {
  let prevHi = 0;
  let prevLo = 0;
  for (let i = 0; i < n; i++) {
    scratch.setFloat64(0, values[i]!);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    const xhi = (hi ^ prevHi) >>> 0;
    const xlo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xhi === 0 && xlo === 0) {
      w.byte(0);
      continue;
    }
    scratch.setUint32(0, xhi);
    scratch.setUint32(4, xlo);
    let lead = 0;
    while (scratch.getUint8(lead) === 0) lead++;
    let trail = 0;
    while (scratch.getUint8(7 - trail) === 0) trail++;
    w.byte(1 + lead * 8 + trail);
    for (let b = lead; b < 8 - trail; b++) w.byte(scratch.getUint8(b));
  }
}

function readXor(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const control = r.byte();
    if (control !== 0) {
      const lead = Math.floor((control - 1) / 8);
      const trail = (control - 1) % 8;
      if (lead + trail > 7) throw new Error('invalid tsdb xor control byte');
      scratch.setUint32(0, 0);
      scratch.setUint32(4, 0);
      for (let b = lead; b < 8 - trail; b++) scratch.setUint8(b, r.byte());
      hi = (hi ^ scratch.getUint32(0)) >>> 0;
      lo = (lo ^ scratch.getUint32(4)) >>> 0;
    }
    scratch.setUint32(0, hi);
    scratch.setUint32(4, lo);
    out[i] = scratch.getFloat64(0);
  }
  return out;
}
