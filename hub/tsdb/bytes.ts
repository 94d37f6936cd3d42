/**
 * Growable byte buffer and reader with LEB128 varints, the building blocks of
 * every tsdb block format (docs/tsdb.md). Numbers are JS doubles, so varints
 * use arithmetic instead of 32-bit bit operators; callers keep magnitudes
 * below 2^53.
 */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** The next `n` bytes of the buffer, to be filled by the caller. */
  reserve(n: number): Uint8Array {
    this.ensure(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  uvarint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** Zigzag then LEB128, for signed integers of magnitude below 2^52. */
  svarint(v: number): void {
    this.uvarint(zigzag(v));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('tsdb block truncated');
    return this.buf[this.pos++]!;
  }

  /** The next `n` bytes, without copying. */
  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('tsdb block truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
  }

  /** Reads `n` zigzag varints into `out`; the hot loop of every decode, so it avoids per-byte calls. */
  svarints(n: number, out: Float64Array): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      if (pos >= len) throw new Error('tsdb block truncated');
      let b = buf[pos++]!;
      if (b < 128) {
        out[i] = (b >>> 1) ^ -(b & 1);
        continue;
      }
      let u = b & 127;
      let mul = 128;
      do {
        if (pos >= len) throw new Error('tsdb block truncated');
        b = buf[pos++]!;
        u += (b & 127) * mul;
        mul *= 128;
      } while (b >= 128);
      out[i] = unzigzag(u);
    }
    this.pos = pos;
  }
}

/** Maps signed to unsigned so small magnitudes of either sign stay small: 0,-1,1,-2 -> 0,1,2,3. */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}
