import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';

const GPUS = 256;
const EVERY_MS = 10_000;
const BATCHES = 90;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const RANGE = `start_time=${new Date(T0).toISOString()}&end_time=${new Date(T0 + BATCHES * EVERY_MS).toISOString()}&step=10s`;
const exportOf = (format: string) => `/api/v1/export/metrics?resource_type=gpu&format=${format}&${RANGE}`;
const EXPORT = exportOf('json');

/**
 * Opens a raw connection, sends the export request and stops reading once
 * the headers are in: the export (megabytes of rows) then cannot finish,
 * so it holds its slot until the socket is destroyed.
 */
function stalledExport(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const auth = Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64');
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${EXPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${auth}\r\n\r\n`);
    });
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.pause();
      socket.removeAllListeners('data');
      if (!head.startsWith('HTTP/1.1 200')) reject(new Error(head.split('\r\n')[0]));
      else resolve(socket);
    });
    socket.on('error', reject);
  });
}

describe('concurrent exports are bounded (api.exports)', () => {
  let api: ApiHub;
  let port: number;

  beforeAll(async () => {
    api = await startApiHub({ api: { cacheTtl: '0s', exports: { maxConcurrent: 1, maxQueued: 0 } } });
    port = Number(new URL(api.api).port);
    const node = await api.addNode('gpu-a', 'c1');
    for (let b = 0; b < BATCHES; b++) {
      const samples: Sample[] = [];
      for (let g = 0; g < GPUS; g++) samples.push({ metric: 'gpu_power_watts', labels: { gpu: String(g), uuid: `GPU-${g}` }, value: 100 + g + b });
      await api.publishTelemetry(node, samples, T0 + b * EVERY_MS);
    }
  });
  afterAll(() => api?.close());

  it('answers 429 with Retry-After while the slots are taken, and serves again once the running export ends', async () => {
    const stalled = await stalledExport(port);
    const refused = await api.request(EXPORT);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await refused.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/too many exports at once \(1 running, 0 waiting\)/);

    const closed = new Promise((resolve) => stalled.once('close', resolve));
    stalled.destroy();
    await closed;
    // The slot comes back when the hub sees the client gone; retry until then, as a client told Retry-After would.
    let res = await api.request(EXPORT);
    while (res.status === 429) {
      await res.arrayBuffer();
      await new Promise((resolve) => setImmediate(resolve));
      res = await api.request(EXPORT);
    }
    expect(res.status).toBe(200);
    const rows = (await res.json()) as unknown[];
    expect(rows).toHaveLength(GPUS * BATCHES);
  });

  it('gives the slot back after every finished export: sequential exports never see 429', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.request(exportOf('csv'));
      expect(res.status).toBe(200);
      expect((await res.text()).split('\n').filter(Boolean)).toHaveLength(GPUS * BATCHES + 1);
    }
  });
});
