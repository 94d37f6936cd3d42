import type { ServerResponse } from 'node:http';
import type { StreamEvent } from './event-ring.js';

/** Headers of an event stream; `X-Accel-Buffering: no` stops nginx from holding events back. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * One event in the text/event-stream format (WHATWG HTML, "Server-sent
 * events"): `id:`, `event:` and one `data:` line per line of the payload
 * (JSON.stringify writes none, but the format must hold for any string).
 */
export function formatEvent(e: Pick<StreamEvent, 'id' | 'event' | 'data'>): string {
  const data = JSON.stringify(e.data)
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n');
  return `id: ${e.id}\nevent: ${e.event}\n${data}\n\n`;
}

export interface SseOptions {
  heartbeatMs: number;
  /** The client's reconnection delay (`retry:`). */
  retryMs: number;
  /** A client with more than this many bytes not yet sent is closed; it reconnects and resumes from the ring. */
  maxBufferedBytes: number;
}

/**
 * One open event stream on a raw response: writes the headers and `retry:`,
 * a comment line every heartbeat (keeps proxies and idle timeouts from
 * cutting it), and events. A client that cannot keep up is disconnected
 * rather than buffered without bound: its EventSource reconnects with
 * Last-Event-ID and gets what it missed from the ring.
 */
export class SseConnection {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: SseOptions,
  ) {
    res.writeHead(200, SSE_HEADERS);
    res.write(`retry: ${opts.retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), opts.heartbeatMs);
    res.on('close', () => this.close());
  }

  send(e: StreamEvent): void {
    this.write(formatEvent(e));
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the stream (hub shutdown, slow client); the listeners run once. */
  close(): void {
    // Destroyed, not ended: ending would first flush a slow client's whole backlog, and an event
    // stream's connection is never reused anyway.
    this.finish(() => this.res.destroy());
  }

  /**
   * Ends the stream with a last `error` event carrying `data` (no id: it is
   * not part of the resumable history). The response is ended, so the event
   * reaches the client; one that cannot keep up is cut off as by close().
   * An EventSource reconnects and gets the HTTP answer a new request gets.
   */
  fail(data: unknown): void {
    const text = `event: error\ndata: ${JSON.stringify(data)}\n\n`;
    this.finish(() => (this.res.writableLength > this.opts.maxBufferedBytes ? this.res.destroy() : this.res.end(text)));
  }

  private finish(end: () => void): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    end();
    for (const l of this.closeListeners) l();
  }

  private write(text: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.opts.maxBufferedBytes) return this.close();
    this.res.write(text);
  }
}
