import { gunzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../../../hub/api/monitor/response-cache.js';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

describe('monitoring response cache', () => {
  let hub: ApiHub;
  let node: TestNode;
  beforeAll(async () => {
    hub = await startApiHub({ api: { cacheTtl: '1h' } });
    node = await hub.addNode('gpu-01');
    await hub.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-a' }, value: 100 }]);
  });
  afterAll(() => hub.close());

  const power = async (path: string) => (await hub.json(path)) as { data: { gpu_power_watts: number | null }; metadata: { cache_hit: boolean } };

  it('answers a repeated URL from the cache, marked cache_hit, until the TTL ends', async () => {
    const first = await power('/api/v1/monitoring/power');
    expect(first.metadata.cache_hit).toBe(false);
    expect(first.data.gpu_power_watts).toBe(100);
    await hub.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-a' }, value: 250 }]);
    const second = await power('/api/v1/monitoring/power');
    expect(second.metadata.cache_hit).toBe(true);
    expect(second.data.gpu_power_watts).toBe(100);
    // Another URL (a different query) is computed afresh.
    const other = await power('/api/v1/monitoring/power?cluster=default');
    expect(other.metadata.cache_hit).toBe(false);
    expect(other.data.gpu_power_watts).toBe(250);
  });

  it('sends a cached answer gzipped to a client that accepts gzip, the same JSON', async () => {
    const path = '/api/v1/accelerators/gpus?include_metrics=true';
    const plain = await hub.json(path);
    // node:http, not fetch: fetch would decompress and hide the encoding.
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(`${hub.api}${path}`, { auth: `admin:${ADMIN_PASSWORD}`, headers: { 'accept-encoding': 'br;q=1, gzip;q=0.8' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.headers.vary).toBe('accept-encoding');
    const cached = JSON.parse(gunzipSync(raw.body).toString('utf8'));
    expect(cached.metadata.cache_hit).toBe(true);
    expect(cached.data).toEqual(plain.data);
  });

  it('reads Accept-Encoding as HTTP does', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('still authenticates and validates every request', async () => {
    expect((await hub.request('/api/v1/monitoring/power', { user: null })).status).toBe(401);
    expect((await hub.request('/api/v1/monitoring/power?cluster=bad%20name')).status).toBe(400);
  });

  it('counts hits and misses in /system/metrics', async () => {
    const text = await (await hub.request('/api/v1/system/metrics')).text();
    expect(Number(/^cache_hits_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^cache_misses_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
  });
});
