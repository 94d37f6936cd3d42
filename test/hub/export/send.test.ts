import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendExport } from '../../../hub/export/send.js';
import { memoryLogger } from '../../helpers/logger.js';

describe('sendExport', () => {
  const logs = memoryLogger();
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = Fastify();
    const file = { format: 'csv' as const, prefix: 'power', from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-01-01T01:00:00Z') };
    app.get('/ok', (_req, reply) =>
      sendExport(reply, logs.log, file, async (out) => {
        out.end('a,b\n1,2\n');
      }),
    );
    // Fails after the first bytes went out: the status (200) cannot change any more.
    app.get('/fails-late', (_req, reply) =>
      sendExport(reply, logs.log, file, async (out) => {
        out.write('a,b\n'.repeat(50_000));
        await new Promise((r) => setImmediate(r));
        throw new Error('store went away');
      }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('sends the attachment headers and the body', async () => {
    const res = await fetch(`${base}/ok`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="power_20240101T000000Z_20240101T010000Z.csv"');
    expect(await res.text()).toBe('a,b\n1,2\n');
  });

  it('cuts the transfer off and logs when the export fails after it began', async () => {
    const res = await fetch(`${base}/fails-late`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const failed = logs.lines().find((l) => l.msg === 'export failed after the response began');
    expect(failed).toMatchObject({ prefix: 'power', format: 'csv', err: { message: 'store went away' } });
  });
});
