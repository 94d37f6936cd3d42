import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Sends frames that were built once for every client (frame-encoder.ts) to
 * one WebSocket connection: a single write of the shared bytes to the
 * connection's socket, which is what `ws.send` ends in, without ws framing
 * the same message again for each client (per send: an options object, a
 * header buffer, a two-part writev). That is safe because ws, too, only ever
 * writes whole frames to the socket (its pongs and close frame), and these
 * connections send nothing through `ws.send`, so no message of ws's can be
 * half-written or queued when one of ours goes. A client with more than
 * `maxBufferedBytes` unsent (`bufferedAmount` counts our writes: they sit in
 * the same socket) skips frames until it catches up, and each skip is
 * reported to `onSkip`.
 */
export function wsFrameWriter(ws: WebSocket, socket: Duplex, maxBufferedBytes: number, onSkip: () => void): (frame: Buffer) => void {
  return (frame) => {
    // As ws.send: nothing once the closing handshake has started.
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) return onSkip();
    socket.write(frame);
  };
}
