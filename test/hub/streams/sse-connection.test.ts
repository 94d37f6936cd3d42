import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEvent, SseConnection, type SseOptions } from '../../../hub/streams/sse-connection.js';

describe('formatEvent', () => {
  it('writes id, event and one data line per payload line', () => {
    expect(formatEvent({ id: 7, event: 'power_update', data: { w: 1 } })).toBe('id: 7\nevent: power_update\ndata: {"w":1}\n\n');
    expect(formatEvent({ id: 8, event: 'threshold_exceeded', data: 'a\nb' })).toBe('id: 8\nevent: threshold_exceeded\ndata: "a\\nb"\n\n');
  });
});

describe('SseConnection on a real HTTP server', () => {
  let server: Server;
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  async function serve(opts: SseOptions, onConn: (c: SseConnection) => void): Promise<IncomingMessage> {
    server = createServer((_req, res) => onConn(new SseConnection(res, opts)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve) => get(`http://127.0.0.1:${port}/`, resolve));
  }

  it('sends the retry hint, events and heartbeat comments', async () => {
    let conn!: SseConnection;
    const res = await serve({ heartbeatMs: 50, retryMs: 1234, maxBufferedBytes: 1 << 20 }, (c) => {
      conn = c;
      c.send({ id: 1, event: 'power_update', data: { total_power_watts: 5 } });
    });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    res.on('data', (c: Buffer) => (text += c.toString()));
    await new Promise((r) => setTimeout(r, 180));
    expect(text.startsWith('retry: 1234\n\nid: 1\nevent: power_update\ndata: {"total_power_watts":5}\n\n')).toBe(true);
    expect(text.split(': heartbeat\n\n').length - 1).toBeGreaterThanOrEqual(2);
    const closed = new Promise((r) => res.on('close', r));
    conn.close();
    await closed;
  });

  it('disconnects a client that does not read instead of buffering without bound', async () => {
    let closedOnServer = false;
    let conn!: SseConnection;
    const res = await serve({ heartbeatMs: 60_000, retryMs: 1000, maxBufferedBytes: 64 * 1024 }, (c) => {
      conn = c;
      c.onClose(() => (closedOnServer = true));
    });
    res.pause();
    const big = 'x'.repeat(64 * 1024);
    // Loopback socket buffers take a few MB; past them the backlog grows, then the connection is dropped.
    for (let i = 0; i < 2000 && !closedOnServer; i++) {
      conn.send({ id: i, event: 'power_update', data: big });
      await new Promise((r) => setImmediate(r));
    }
    expect(closedOnServer).toBe(true);
    res.destroy();
  });
});
