import { ByteReader, ByteWriter, unzigzag } from './bytes.js';

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
const DECIMAL_DELTA = 0; // columns of fewer than MIN_PLANES values
const DECIMAL_DOD = 1; // written until user_version 1, still read
const XOR = 2;
const DECIMAL_PLANES = 3;

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

/**
 * Writes a value column: short decimals as scaled integers, in byte planes
 * (DECIMAL_PLANES) or, for a few values, as varint deltas; anything else as
 * XOR.
 */
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
  // Planes pay a few header bytes that a short column (a day's 1 h buckets) does not earn back.
  const planes = n >= MIN_PLANES;
  w.byte(planes ? DECIMAL_PLANES : DECIMAL_DELTA);
  w.byte(d);
  if (planes) writePlanes(w, ints, n);
  else for (let i = 0; i < n; i++) w.svarint(i === 0 ? ints[0]! : ints[i]! - ints[i - 1]!);
}

/** Shortest column written as planes; shorter ones are varint deltas. */
const MIN_PLANES = 16;

/** Reads what writeValues wrote, today or in an older version (modes 0-2). */
export function readValues(r: ByteReader, n: number): Float64Array {
  const mode = r.byte();
  if (mode === XOR) return readXor(r, n);
  if (mode !== DECIMAL_DELTA && mode !== DECIMAL_DOD && mode !== DECIMAL_PLANES) throw new Error(`unknown tsdb value column mode ${mode}`);
  const d = r.byte();
  if (d > MAX_DIGITS) throw new Error(`invalid tsdb decimal scale ${d}`);
  const p = POW10[d]!;
  let out: Float64Array;
  if (mode === DECIMAL_PLANES) out = readPlanes(r, n);
  else if (mode === DECIMAL_DOD) out = readTimestamps(r, n);
  else {
    out = new Float64Array(n);
    r.svarints(n, out);
    for (let i = 1; i < n; i++) out[i] = out[i - 1]! + out[i]!;
  }
  if (p !== 1) for (let i = 0; i < n; i++) out[i] = out[i]! / p;
  return out;
}

/** How DECIMAL_PLANES turns the integers into the non-negative numbers it stores. */
const OFFSET = 0; // x - min: noisy gauges (power), whose deltas spread twice as wide as their values
const DELTA = 1; // delta - least delta: counters whose step is a reading (energy), slow gauges
const DOD = 2; // change of the delta - least change: counters growing at a steady rate

/**
 * Integers (|x| < 2^49) as: transform byte, svarint base (min for OFFSET,
 * the first integer otherwise), uvarint g (the gcd of every x - first, 0 when
 * all are equal), for DOD the first delta / g as svarint, for DELTA and DOD
 * the least number / g as svarint (`lo`), byte width, then the transformed
 * numbers (n of them for OFFSET, n - 1 deltas, n - 2 changes of the delta),
 * divided by g, minus lo, each `width` bytes big-endian, laid out as planes:
 * every number's highest byte, then every number's next one. A plane of a
 * noisy column is one distribution of bytes instead of two interleaved
 * ones, which the block compressor codes 15-30 % smaller than varints; g
 * removes what scaling added (millijoules as joules step by 10, bytes by
 * 2^20 from MiB). The transform is the one whose planes have the lowest
 * byte entropy.
 */
function writePlanes(w: ByteWriter, ints: Float64Array, n: number): void {
  let g = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    g = gcd(g, Math.abs(ints[i]! - ints[0]!));
    if (ints[i]! < min) min = ints[i]!;
  }
  const unit = g || 1;
  let best: { kind: number; xs: Float64Array; lo: number; width: number; cost: number } | undefined;
  for (const kind of [OFFSET, DELTA, DOD]) {
    const xs = transform(kind, ints, n, unit);
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (xs.length === 0) lo = hi = 0;
    for (let i = 0; i < xs.length; i++) xs[i] = xs[i]! - lo;
    const width = byteWidth(hi - lo);
    const cost = planeEntropy(xs, width);
    if (!best || cost < best.cost) best = { kind, xs, lo, width, cost };
  }
  const { kind, xs, lo, width } = best!;
  w.byte(kind);
  w.svarint(kind === OFFSET ? min : ints[0]!);
  w.uvarint(g);
  if (kind === DOD) w.svarint((ints[1]! - ints[0]!) / unit);
  if (kind !== OFFSET) w.svarint(lo);
  w.byte(width);
  const out = w.reserve(width * xs.length);
  for (let b = width - 1, k = 0; b >= 0; b--) {
    for (let i = 0; i < xs.length; i++) out[k++] = byteOf(xs[i]!, b);
  }
}

/** Byte `b` (0 = lowest) of a non-negative integer below 2^56; the shift is the fast path below 2^32. */
function byteOf(x: number, b: number): number {
  return x < 4294967296 ? b < 4 ? (x >>> (8 * b)) & 255 : 0 : Math.floor(x / 2 ** (8 * b)) % 256;
}

function readPlanes(r: ByteReader, n: number): Float64Array {
  const kind = r.byte();
  if (kind !== OFFSET && kind !== DELTA && kind !== DOD) throw new Error(`unknown tsdb plane transform ${kind}`);
  const base = unzigzag(r.uvarint());
  const unit = r.uvarint() || 1;
  let delta = kind === DOD ? unzigzag(r.uvarint()) : 0;
  const lo = kind === OFFSET ? 0 : unzigzag(r.uvarint());
  const width = r.byte();
  if (width > 7) throw new Error(`invalid tsdb plane width ${width}`);
  const m = Math.max(0, kind === OFFSET ? n : kind === DELTA ? n - 1 : n - 2);
  const xs = new Float64Array(m);
  const bytes = r.take(width * m);
  for (let b = 0, k = 0; b < width; b++) for (let i = 0; i < m; i++) xs[i] = xs[i]! * 256 + bytes[k++]!;
  const out = new Float64Array(n);
  if (kind === OFFSET) {
    for (let i = 0; i < n; i++) out[i] = base + xs[i]! * unit;
    return out;
  }
  if (n > 0) out[0] = base;
  if (kind === DELTA) {
    for (let i = 1; i < n; i++) out[i] = out[i - 1]! + (xs[i - 1]! + lo) * unit;
    return out;
  }
  for (let i = 1; i < n; i++) {
    if (i > 1) delta += xs[i - 2]! + lo;
    out[i] = out[i - 1]! + delta * unit;
  }
  return out;
}

/** The numbers DECIMAL_PLANES stores for `kind`, before lo is taken off. */
function transform(kind: number, ints: Float64Array, n: number, unit: number): Float64Array {
  // Relative to the first: min - first is a multiple of g too, and lo takes it off.
  if (kind === OFFSET) return ints.map((x) => (x - ints[0]!) / unit);
  const deltas = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) deltas[i - 1] = (ints[i]! - ints[i - 1]!) / unit;
  if (kind === DELTA) return deltas;
  const changes = new Float64Array(Math.max(0, n - 2));
  for (let i = 2; i < n; i++) changes[i - 2] = deltas[i - 1]! - deltas[i - 2]!;
  return changes;
}

/** Bytes needed for a non-negative integer below 2^56. */
function byteWidth(max: number): number {
  let width = 0;
  while (max >= 1) {
    max = Math.floor(max / 256);
    width++;
  }
  return width;
}

const counts = new Float64Array(256);

/** Sum over the planes of n x the byte entropy of the plane, in bits: what an entropy coder would need, about. */
function planeEntropy(xs: Float64Array, width: number): number {
  const n = xs.length;
  let bits = 0;
  for (let b = 0; b < width; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[byteOf(xs[i]!, b)]!++;
    for (let c = 0; c < 256; c++) {
      const k = counts[c]!;
      if (k > 0) bits -= k * Math.log2(k / n);
    }
  }
  return bits;
}

function gcd(a: number, b: number): number {
  while (b > 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
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
