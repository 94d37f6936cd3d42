import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../hub/api/errors.js';
import { prometheusAuthorization } from '../../../hub/clusters/prometheus-auth.js';
import { PrometheusClient } from '../../../hub/prometheus/client.js';
import { freePort } from '../../helpers/mosquitto.js';

/**
 * The failures a real Prometheus does not produce on demand: a proxy's
 * non-JSON error page, a server that never answers, a closed port. (Answers
 * and PromQL errors are tested against a real Prometheus in scrape-and-read.)
 */
describe('PrometheusClient failures and credentials', () => {
  let server: Server;
  let base = '';
  const seen: { auth: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        if (req.url?.startsWith('/proxy-error/')) res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
        else if (req.url?.startsWith('/hang/')) return; // never answers
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = (path: string, timeoutMs = 2000, authorization: string | null = null, observe?: (s: number) => void) =>
    new PrometheusClient({ url: `${base}${path}`, cluster: 'c1', timeoutMs, authorization, observe });

  it.each([
    ['an HTTP error page', '/proxy-error', 2000, /HTTP 503/],
    ['no answer in time', '/hang', 200, /no answer within 200 ms/],
  ])('%s becomes PROMETHEUS_ERROR', async (_what, path, timeout, message) => {
    const err = await client(path, timeout).query('up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'PROMETHEUS_ERROR', statusCode: 502, details: { cluster: 'c1' } });
    // The address is internal: admins read it at /clusters, error bodies go to every metrics reader.
    expect((err as ApiError).details).not.toHaveProperty('url');
    expect((err as Error).message).toMatch(message);
  });

  it('a closed port becomes PROMETHEUS_ERROR (unreachable)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const err = await new PrometheusClient({ url, cluster: 'c1', timeoutMs: 2000, authorization: null }).query('up').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROMETHEUS_ERROR', message: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) });
  });

  it('sends the configured credentials and the query, and times every call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-prom-auth-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    writeFileSync(join(dir, 'token'), 'tok-123\n');
    const basic = prometheusAuthorization({ name: 'c1', username: 'kcloud', passwordFile: join(dir, 'pw'), timeout: '5s', cacheTtl: '5s' }, 0);
    const bearer = prometheusAuthorization({ name: 'c1', bearerTokenFile: join(dir, 'token'), timeout: '5s', cacheTtl: '5s' }, 0);
    const durations: number[] = [];
    await client('', 2000, basic, (s) => durations.push(s)).query('up{job="x"}');
    await client('', 2000, bearer).query('up');
    expect(seen.at(-2)).toEqual({ auth: `Basic ${Buffer.from('kcloud:s3cret').toString('base64')}`, body: new URLSearchParams({ query: 'up{job="x"}' }).toString() });
    expect(seen.at(-1)!.auth).toBe('Bearer tok-123');
    expect(durations).toHaveLength(1);
    expect(durations[0]).toBeGreaterThan(0);
  });

  it('refuses half or doubled credentials naming the config key', () => {
    expect(() => prometheusAuthorization({ name: 'c', username: 'u', timeout: '5s', cacheTtl: '5s' }, 2)).toThrow('config key "clusters.2.passwordFile"');
    expect(() => prometheusAuthorization({ name: 'c', username: 'u', passwordFile: '/x', bearerTokenFile: '/y', timeout: '5s', cacheTtl: '5s' }, 0)).toThrow('clusters.0.bearerTokenFile');
    expect(() => prometheusAuthorization({ name: 'c', bearerTokenFile: '/nonexistent/token', timeout: '5s', cacheTtl: '5s' }, 1)).toThrow(/clusters\.1\.bearerTokenFile.*cannot read/);
  });
});
