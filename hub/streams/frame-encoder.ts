import { Sender } from 'ws';

// ws's own frame builder, made a public static so that a server can frame a broadcast once
// (websockets/ws#1016) and exported by ws's ESM entry, but absent from @types/ws.
declare module 'ws' {
  export const Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
}

/** RFC 6455 §5.2: a whole (FIN) text message, unmasked as every server-to-client frame is, uncompressed (RSV1 clear). */
const TEXT_MESSAGE = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };

/**
 * JSON-encodes each value once however many clients it goes to, as the
 * complete WebSocket text frame (header and payload in one buffer) that
 * `ws.send(json)` would write, so that every connection gets the same bytes
 * in one socket write (ws-frame-writer.ts). Frames are remembered per value
 * object for as long as the value lives: a value's round reaches its
 * clients in slices over several turns (sliced-fan-out.ts), interleaved
 * with other intervals' values and a new client's first snapshot. At 500
 * live clients that is one JSON.stringify and one frame per snapshot
 * instead of 500 of each.
 */
export function textFrameEncoder(): (value: object) => Buffer {
  const frames = new WeakMap<object, Buffer>();
  return (value) => {
    let frame = frames.get(value);
    if (!frame) frames.set(value, (frame = Buffer.concat(Sender.frame(Buffer.from(JSON.stringify(value)), TEXT_MESSAGE))));
    return frame;
  };
}
