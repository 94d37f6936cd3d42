import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../hub/api/errors.js';
import { ExportStores, storeHeaders } from '../../../hub/export/export-stores.js';
import { powerRows } from '../../../hub/export/power-table.js';
import { MAX_REMOTE_SERIES, RemoteReader } from '../../../hub/remote-read/remote-read.js';
import { rawBucket } from '../../../shared/query/bucket.js';
import type { SeriesSource } from '../../../shared/query/types.js';

const HOUR = 3_600_000;
const MIN = 60_000;

describe('ExportStores: the stores of one export, window by window', () => {
  const now = 100 * HOUR;
  const retention = { raw: HOUR, '1m': HOUR, '1h': HOUR };
  const labels = { node: 'n', cluster: 'c', gpu: '0', uuid: 'GPU-0' };
  const local: SeriesSource = {
    findSeries: (metric) => (metric === 'gpu_power_watts' ? [{ id: 0, metric, labels }] : []),
    readBuckets: (_id, start, end) => [rawBucket(now - 30 * MIN, 5)].filter((b) => b.ts >= start && b.ts < end),
  };
  // Three hours at 1 m: three windows of an hour, the first two beyond the local retention.
  const range = { start: now - 3 * HOUR, end: now, step: MIN };
  const matrix = (result: unknown[]) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
  let server: Server | null = null;
  afterEach(async () => {
    if (!server) return;
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = null;
  });
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const readerAt = (url: string) => new RemoteReader({ url, mode: 'beyond-retention', timeout: '10s' }, null, retention, () => now);
  async function collect<T>(rows: AsyncIterable<T>, onFirst?: () => void): Promise<T[]> {
    const out: T[] = [];
    for await (const r of rows) {
      if (out.length === 0) onFirst?.();
      out.push(r);
    }
    return out;
  }

  it('refuses a window whose remote part is over the limits with a 400 naming the export\'s range and the step, before anything is sent', async () => {
    const many = Array.from({ length: MAX_REMOTE_SERIES + 1 }, (_, i) => ({ metric: { ...labels, node: `n${i}` }, values: [[(now - 2 * HOUR) / 1000, '1']] }));
    const url = await serve((_req, res) => res.end(matrix(many)));
    const stores = new ExportStores(local, readerAt(url), range);
    const err = await collect(powerRows(stores, range)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(400);
    expect((err as ApiError).details).toEqual({ parameter: 'step' });
    expect((err as ApiError).message).toContain(`export ${new Date(range.start).toISOString()} to ${new Date(range.end).toISOString()} is too large (${MAX_REMOTE_SERIES + 1} series for`);
  });

  it('with the remote store failing before the first row: local rows and the warning in the note; failing after it: the export fails (the headers are gone)', async () => {
    // Fails the queries of windows starting at or after `failFrom` (the form's `start`, in seconds, is the window's first evaluation time).
    let failFrom = 0;
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (Number(new URLSearchParams(body).get('start')) * 1000 >= failFrom) {
          res.statusCode = 503;
          res.end('down');
        } else res.end(matrix([{ metric: labels, values: [[(now - 3 * HOUR + MIN) / 1000, '7']] }]));
      });
    });
    const down = new ExportStores(local, readerAt(url), range);
    expect(down.sources).toEqual(['remote', 'local']);
    const rows = await collect(powerRows(down, range));
    expect(rows.map((r) => [r.timestamp, r.gpu_power_watts])).toEqual([[now - 30 * MIN, 5]]);
    const note = down.note();
    expect(note.sources).toEqual(['local']);
    expect(note.warnings).toHaveLength(1);
    expect(note.warnings[0]).toMatch(/^remote store not read \(.*503.*\): steps before /);
    expect(storeHeaders(note)).toEqual({ 'x-kcloud-sources': 'local', 'x-kcloud-warnings': note.warnings[0] });
    // The first window's queries answer, the second window's fail.
    failFrom = now - 2 * HOUR;
    const later = new ExportStores(local, readerAt(url), range);
    const err = await collect(powerRows(later, range), () => later.note()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).message).toMatch(/^remote store failed during the export .*: transfer cut off$/);
  });

  it('headers are ASCII: a reason with other characters is sent with them replaced', () => {
    expect(storeHeaders({ sources: ['local'], warnings: ['remote store not read (r\u00e9seau\n)'] })).toEqual({ 'x-kcloud-sources': 'local', 'x-kcloud-warnings': 'remote store not read (r?seau?)' });
  });
});
