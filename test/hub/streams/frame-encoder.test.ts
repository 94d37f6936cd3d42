import { describe, expect, it } from 'vitest';
import { textFrameEncoder } from '../../../hub/streams/frame-encoder.js';

/** Reads one server-to-client frame by RFC 6455 §5.2: FIN and opcode, the mask bit, the 7/16/64-bit length, the payload. */
function readFrame(frame: Buffer) {
  const short = frame[1]! & 0x7f;
  const [length, offset] = short === 126 ? [frame.readUInt16BE(2), 4] : short === 127 ? [Number(frame.readBigUInt64BE(2)), 10] : [short, 2];
  return { fin: (frame[0]! & 0x80) !== 0, rsv: frame[0]! & 0x70, opcode: frame[0]! & 0x0f, masked: (frame[1]! & 0x80) !== 0, length, payload: frame.subarray(offset) };
}

describe('textFrameEncoder', () => {
  it('encodes a value once for all its recipients, as one whole unmasked text frame; a new value afresh', () => {
    const frame = textFrameEncoder();
    const a = { total_power_watts: 1200.5, name: 'é' };
    const first = frame(a);
    const read = readFrame(first);
    expect(read).toMatchObject({ fin: true, rsv: 0, opcode: 1, masked: false, length: read.payload.length });
    expect(JSON.parse(read.payload.toString('utf8'))).toEqual(a);
    expect(frame(a)).toBe(first);
    const b = { total_power_watts: 900 };
    expect(JSON.parse(readFrame(frame(b)).payload.toString('utf8'))).toEqual(b);
    expect(frame(b)).not.toBe(first);
    // Values interleave (slices of two rounds): each keeps its one frame.
    expect(frame(a)).toBe(first);
  });

  it('writes the payload length in the 7-, 16- or 64-bit form its size needs', () => {
    const frame = textFrameEncoder();
    // Payloads of 100, 1 000 and 70 000 bytes: under 126, under 65 536, above.
    for (const size of [100, 1000, 70_000]) {
      const value = { s: 'x'.repeat(size - 8) };
      const bytes = frame(value);
      const read = readFrame(bytes);
      expect(read.length).toBe(size);
      expect(read.payload.length).toBe(size);
      expect(bytes.length - size).toBe(size < 126 ? 2 : size < 65_536 ? 4 : 10);
      expect(JSON.parse(read.payload.toString('utf8'))).toEqual(value);
    }
  });
});
