import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrameEncoder } from '../../../hub/streams/frame-encoder.js';
import { wsFrameWriter } from '../../../hub/streams/ws-frame-writer.js';

const LIMIT = 256 * 1024;

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A ws server and one client connected to it, the client recording each message it gets and whether it was binary. */
async function connectedPair() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const accepted = new Promise<[WebSocket, IncomingMessage]>((r) => server.once('connection', (ws, req) => r([ws, req])));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: { seq: number; binary: boolean }[] = [];
  client.on('message', (data, isBinary) => received.push({ seq: (JSON.parse(String(data)) as { seq: number }).seq, binary: isBinary }));
  await new Promise((r) => client.once('open', r));
  const [ws, req] = await accepted;
  return { server, client, ws, socket: req.socket, received };
}

describe('wsFrameWriter', () => {
  let close: () => Promise<void> = async () => {};
  afterEach(() => close());

  it('writes whole text frames in order; a client that stops reading skips frames past the limit, then gets them again once it has caught up', async () => {
    const { server, client, ws, socket, received } = await connectedPair();
    close = async () => {
      client.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    };
    let skipped = 0;
    const write = wsFrameWriter(ws, socket, LIMIT, () => skipped++);
    const frame = textFrameEncoder();
    const pad = 'x'.repeat(64 * 1024);

    client.pause();
    // The kernel's socket buffers take a few MB first; past them ws's bufferedAmount grows with our writes.
    const written: number[] = [];
    for (let seq = 0; skipped < 3 && seq < 1000; seq++) {
      const before = skipped;
      write(frame({ seq, pad }));
      if (skipped === before) written.push(seq);
    }
    expect(skipped).toBe(3);
    expect(ws.bufferedAmount).toBeGreaterThan(LIMIT);

    client.resume();
    await until(() => received.length === written.length && ws.bufferedAmount === 0, 'the buffered frames');
    expect(received.map((m) => m.seq)).toEqual(written);
    expect(received.every((m) => !m.binary)).toBe(true);

    // Caught up: the next frame goes out again.
    write(frame({ seq: 1000, pad: '' }));
    await until(() => received.length === written.length + 1, 'the frame after catching up');
    expect(received.at(-1)).toEqual({ seq: 1000, binary: false });
    expect(skipped).toBe(3);
  });

  it('writes nothing once the connection is closing, and counts no skip', async () => {
    const { server, client, ws, socket, received } = await connectedPair();
    close = () => new Promise<void>((r) => server.close(() => r()));
    let skipped = 0;
    const write = wsFrameWriter(ws, socket, LIMIT, () => skipped++);
    const frame = textFrameEncoder();
    write(frame({ seq: 1 }));
    await until(() => received.length === 1, 'the first frame');

    client.close();
    await until(() => ws.readyState !== ws.OPEN, 'the server side to see the close');
    write(frame({ seq: 2 }));
    await until(() => client.readyState === client.CLOSED, 'the closing handshake');
    expect(received.map((m) => m.seq)).toEqual([1]);
    expect(skipped).toBe(0);
  });
});
