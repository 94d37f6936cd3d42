import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../helpers/api.js';

/** A stand-in Prometheus (none of the real one's behaviour is under test here): answers every query with an empty vector and keeps the Authorization headers it got. */
async function fakePrometheus(): Promise<{ server: Server; base: string; auth: (string | undefined)[] }> {
  const auth: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    auth.push(req.headers.authorization);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth };
}

describe('configured Prometheus URLs in answers', () => {
  let h: ApiHub;
  let prom: Awaited<ReturnType<typeof fakePrometheus>>;
  let vic: [string, string];
  const PASSWORD = 'pr0m-s3cr@t';

  beforeAll(async () => {
    prom = await fakePrometheus();
    const url = prom.base.replace('http://', `http://scraper:${encodeURIComponent(PASSWORD)}@`);
    h = await startApiHub({ clusters: [{ name: 'remote', url, cacheTtl: '0s' }] });
    vic = await h.addUser('vic', 'viewer');
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => prom?.server.close(resolve));
  });

  it('calls Prometheus with the url\'s credentials as a Basic header', async () => {
    await h.request('/api/v1/system/health', { user: null });
    expect(prom.auth.length).toBeGreaterThan(0);
    expect(new Set(prom.auth)).toEqual(new Set([`Basic ${Buffer.from(`scraper:${PASSWORD}`).toString('base64')}`]));
  });

  it('shows no url in the public /system/health', async () => {
    const res = await h.request('/api/v1/system/health', { user: null });
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.sources.prometheus).toEqual([expect.objectContaining({ cluster: 'remote', url: null, connected: true })]);
    expect(body.prometheus).toMatchObject({ configured: true, url: null });
    for (const secret of ['scraper', 'pr0m', encodeURIComponent(PASSWORD), prom.base]) expect(text).not.toContain(secret);
  });

  it('shows admins the url without credentials in /clusters, and other readers no url', async () => {
    const asAdmin = await (await h.request('/api/v1/clusters')).text();
    expect(JSON.parse(asAdmin).data).toEqual([expect.objectContaining({ name: 'remote', url: prom.base, data_source: 'prometheus' })]);
    for (const secret of ['scraper', 'pr0m', encodeURIComponent(PASSWORD)]) expect(asAdmin).not.toContain(secret);
    const asViewer = await h.request('/api/v1/clusters', { user: vic });
    expect(asViewer.status).toBe(200);
    const viewerText = await asViewer.text();
    expect(JSON.parse(viewerText).data).toEqual([expect.objectContaining({ name: 'remote', url: null })]);
    expect(viewerText).not.toContain(prom.base);
  });
});
