import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeCapabilities } from '../../../../hub/api/monitor/system.js';
import { readHubState } from '../../../../hub/core/status-file.js';
import { VERSION } from '../../../../shared/version.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const fastifyVersion = (createRequire(import.meta.url)('fastify/package.json') as { version: string }).version;
const source = (enabled: boolean) => ({ enabled, reason: enabled ? 'found' : 'not found', lastSampleTs: null, errors: 0 });

describe('GET /api/v1/system/*', () => {
  let api: ApiHub;

  beforeAll(async () => {
    api = await startApiHub();
    const online = await api.addNode('gpu-01', 'lab');
    await api.addNode('gpu-02', 'lab');
    await api.publishStatus(online, { sources: { gpu: source(true), rapl: source(true), ipmi: source(false) } });
  });
  afterAll(() => api?.close());

  it('health is public and reports store, broker, nodes and uptime', async () => {
    const res = await api.request('/api/v1/system/health', { user: null });
    expect(res.status).toBe(200);
    const body = await res.json();
    await api.hub.writeState();
    const state = readHubState(api.dataDir)!;
    expect(body).toMatchObject({
      status: 'healthy',
      version: VERSION,
      store: { ok: true, series: state.store.series, samples: state.store.samples },
      broker: { mode: 'embedded', connected: true, clients: 2 },
      sources: { nodes: { online: 1, total: 2 }, prometheus: [] },
      prometheus: { configured: false, connected: null, url: null, response_time_ms: null },
      cache: { enabled: false, hit_rate_percent: null },
    });
    expect(body.store.size_bytes).toBeGreaterThan(0);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(body.uptime_seconds).toBeLessThanOrEqual((Date.now() - state.startedAt) / 1000 + 1);
  });

  it('version names this hub\'s runtime', async () => {
    const body = await api.json('/api/v1/system/version');
    expect(body.data).toEqual({ api_version: VERSION, api_name: 'KCloud Monitor (kcloud hub)', build_date: null, node_version: process.versions.node, fastify_version: fastifyVersion, python_version: null, fastapi_version: null });
  });

  it('capabilities list the sources the nodes run and what the served routes offer', async () => {
    const { data } = await api.json('/api/v1/system/capabilities');
    expect(data.accelerators).toEqual(['nvidia_gpu']);
    // gpu (nvidia-smi) and rapl are enabled on gpu-01, ipmi is not; no cluster Prometheus is configured.
    expect(data.data_sources).toEqual(['nvidia-smi', 'rapl']);
    expect(data.multi_cluster).toBe(true);
    expect(data.real_time_monitoring).toBe(data.streaming.length > 0);
    // What is claimed is served: the SSE stream answers with an event stream.
    if (data.streaming.includes('sse')) {
      const abort = new AbortController();
      const res = await api.request('/api/v1/monitoring/events/power', { signal: abort.signal });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      abort.abort();
    }
    expect(Array.isArray(data.export_formats)).toBe(true);
  });

  it('capabilities are read from the routes and the OpenAPI document', () => {
    const routes = ['/api/v1/infrastructure/nodes', '/api/v1/monitoring/events/power'].map((url) => ({ method: 'GET', url, access: 'metrics:read' as const }));
    const openapi = { paths: { '/api/v1/export/power': { get: { parameters: [{ in: 'query', name: 'format', schema: { anyOf: [{ enum: ['json'] }, { const: 'csv' }] } }] } } } };
    expect(routeCapabilities(routes, openapi)).toEqual({ infrastructure: ['nodes'], hardware: [], export_formats: ['json', 'csv'], streaming: ['sse'] });
    expect(routeCapabilities([], {})).toEqual({ infrastructure: [], hardware: [], export_formats: [], streaming: [] });
  });

  it('/system/metrics serves the API metrics in the Prometheus text format', async () => {
    await api.request('/api/v1/system/version');
    const res = await api.request('/api/v1/system/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^api_requests_total\{method="GET",endpoint="\/api\/v1\/system\/version",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^api_request_duration_seconds_bucket\{le="0\.1",method="GET",endpoint="\/api\/v1\/system\/version"\} [1-9]/m);
    for (const family of ['cache_hits_total', 'cache_misses_total', 'prometheus_query_duration_seconds']) expect(text).toContain(`# TYPE ${family} `);
    // Only the API's metrics: the fleet and ingest are on the hub's /metrics.
    expect(text).not.toContain('ingest_');
  });

  it('needs system:read except health: 401 anonymous, a viewer may read', async () => {
    for (const path of ['/api/v1/system/version', '/api/v1/system/capabilities', '/api/v1/system/metrics']) {
      expect((await api.request(path, { user: null })).status).toBe(401);
    }
    const viewer = await api.addUser('vic', 'viewer');
    expect((await api.request('/api/v1/system/metrics', { user: viewer })).status).toBe(200);
  });
});
