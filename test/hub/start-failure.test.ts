import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import { freePort } from '../helpers/mosquitto.js';

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
const close = (server: Server) => new Promise((r) => server.close(r));

describe('a hub start that fails half way leaves nothing running behind it', () => {
  it.each([
    ['the HTTP port is in use', (busy: number) => ({ http: { port: busy } })],
    ['an extra HTTP port is in use', (busy: number) => ({ http: { port: 0, extraPorts: [busy] } })],
  ])('%s: the start fails with the reason and the embedded broker has let its port go', async (_what, overrides) => {
    const blocker = createServer();
    await listen(blocker, 0);
    const busy = (blocker.address() as { port: number }).port;
    const mqttPort = await freePort();
    try {
      await expect(startTestHub({ broker: { port: mqttPort }, ...overrides(busy) })).rejects.toThrow(/EADDRINUSE/);
      // The broker had started before the HTTP listen: its port is free again, so nothing still accepts agents.
      const probe = createServer();
      await listen(probe, mqttPort);
      await close(probe);
    } finally {
      await close(blocker);
    }
  });
});
