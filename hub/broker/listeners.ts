import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { HubConfig } from '../config.js';
import type { ConnectionHandler } from './connection-limits.js';
import { sourceAddress } from '../identity/source-address.js';

export interface Listeners {
  mqtt: number;
  mqtts: number | null;
  ws: number | null;
  /** Stops accepting connections; resolves when the open ones (closed by the broker) are gone. */
  close(): Promise<void>;
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const closeServer = (s: Server | HttpServer) => new Promise<void>((r) => s.close(() => r()));

// Counted as the login throttle counts sources (an IPv6 /64 is one); an address we cannot read (the socket closed already) is 'unknown'.
const sourceOf = (s: Socket) => sourceAddress(s.remoteAddress);

/**
 * Opens the embedded broker's listeners: MQTT on TCP, MQTT over TLS when a
 * cert and key are set, MQTT over WebSocket when its port is not -1. Each
 * connection goes to `handle` with its peer address. WebSocket messages
 * are limited to `limits.maxPacketSize` by ws itself (`maxPayload`: a
 * larger frame closes the socket with 1009 before its body is buffered).
 */
export async function openListeners(handle: ConnectionHandler, cfg: HubConfig['broker']): Promise<Listeners> {
  const servers: (Server | HttpServer)[] = [];
  try {
    const tcp = createNetServer((s) => handle(s, undefined, sourceOf(s)));
    servers.push(tcp);
    const mqtt = await listen(tcp, cfg.port, cfg.host);
    let mqtts: number | null = null;
    if (cfg.tls.cert && cfg.tls.key) {
      const tls = createTlsServer({ cert: readFileSync(cfg.tls.cert), key: readFileSync(cfg.tls.key) }, (s) => handle(s, undefined, sourceOf(s)));
      servers.push(tls);
      mqtts = await listen(tls, cfg.tls.port, cfg.host);
    }
    let ws: number | null = null;
    if (cfg.websocket.port >= 0) {
      const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
      const wss = new WebSocketServer({ server: http, path: cfg.websocket.path, maxPayload: cfg.limits.maxPacketSize });
      wss.on('connection', (socket, req) => handle(createWebSocketStream(socket), req, sourceOf(req.socket)));
      servers.push(http);
      ws = await listen(http, cfg.websocket.port, cfg.host);
    }
    return { mqtt, mqtts, ws, close: async () => void (await Promise.all(servers.map(closeServer))) };
  } catch (err) {
    await Promise.all(servers.filter((s) => s.listening).map(closeServer));
    throw err;
  }
}
