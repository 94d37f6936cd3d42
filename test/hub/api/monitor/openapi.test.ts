import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../../agent/collectors/gpu/parse-xml.js';
import { HealthResponse } from '../../../../hub/api/monitor/schemas/system.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { SHARED } from '../../../helpers/spawn-agent.js';

type Schema = Record<string, unknown>;
type Operation = { tags?: string[]; responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** The monitoring area's JSON routes (kcloud-monitor-api.md), as the document spells them. */
const JSON_ROUTES = [
  '/api/v1/accelerators/gpus',
  '/api/v1/accelerators/gpus/summary',
  '/api/v1/accelerators/gpus/{gpu_id}',
  '/api/v1/accelerators/gpus/{gpu_id}/metrics',
  '/api/v1/accelerators/gpus/{gpu_id}/power',
  '/api/v1/accelerators/npus',
  '/api/v1/infrastructure/nodes',
  '/api/v1/infrastructure/nodes/{node_name}',
  '/api/v1/infrastructure/pods',
  '/api/v1/infrastructure/pods/{namespace}/{pod_name}',
  '/api/v1/hardware/ipmi/sensors',
  '/api/v1/hardware/ipmi/sensors/{node_name}',
  '/api/v1/hardware/ipmi/power',
  '/api/v1/hardware/ipmi/temperature',
  '/api/v1/monitoring/power',
  '/api/v1/monitoring/power/breakdown',
  '/api/v1/monitoring/timeseries/power',
  '/api/v1/monitoring/query',
  '/api/v1/clusters',
  '/api/v1/clusters/{cluster_name}/summary',
  '/api/v1/clusters/{cluster_name}/power',
  '/api/v1/system/health',
  '/api/v1/system/version',
  '/api/v1/system/capabilities',
];

/** Answers that are files or streams: documented by content type, never serialised from a schema. */
const FILE_ROUTES: Record<string, string> = {
  '/api/v1/export/power': 'text/csv; charset=utf-8',
  '/api/v1/export/metrics': 'application/vnd.apache.parquet',
  '/api/v1/export/report': 'application/pdf',
  '/api/v1/monitoring/events/power': 'text/event-stream',
  '/api/v1/system/metrics': 'text/plain; version=0.0.4; charset=utf-8',
};

const MONITOR_PATH = /^\/api\/v1\/(accelerators|infrastructure|hardware|monitoring|export|clusters|system)(\/|$)/;
/** Under /clusters but the cluster registry's (proxmoxer-cluster-api, its own error body): test/hub/api/proxmoxer/. */
const REGISTRY_PATHS = new Set(['/api/v1/clusters/{cluster_name}']);
/** Under /monitoring but the ECP area's (its `ecp: …` tags and error body): not this API's. */
const isEcp = (ops: Record<string, Operation>) => Object.values(ops).some((op) => op.tags?.some((t) => t.startsWith('ecp')));
const jsonSchema = (op: Operation | undefined, status: string) => op?.responses?.[status]?.content?.['application/json']?.schema;

/**
 * Validates bodies against schemas of the document with Fastify's own
 * validator (ajv with formats), coercion and property removal switched off
 * so a body passes only as it is.
 */
async function validator(schemas: Schema[]) {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true, strict: false } } });
  schemas.forEach((schema, i) => app.post(`/check/${i}`, { schema: { body: schema } }, async () => ({ ok: true })));
  await app.ready();
  return {
    async check(i: number, body: unknown) {
      const res = await app.inject({ method: 'POST', url: `/check/${i}`, payload: body as object });
      return res.statusCode === 200 ? null : res.body;
    },
    close: () => app.close(),
  };
}

describe('monitoring API: OpenAPI response schemas', () => {
  let api: ApiHub;
  let node: TestNode;
  let doc: OpenApi;
  const a100 = parseNvidiaSmiXml(readFileSync(join(SHARED, 'fixtures/nvidia-smi-xml/telegraf-a100-sxm4-v12.xml'), 'utf8')).gpus[0]!.inventory;

  beforeAll(async () => {
    api = await startApiHub();
    node = await api.addNode('gpu-01', 'lab');
    await api.publishInventory(node, { gpus: [a100] });
    await api.publishStatus(node, { agentVersion: '1.0.0', sources: { gpu: { enabled: true, reason: 'fake', lastSampleTs: null, errors: 0 } } });
    // Power only: every other reading of the GPU is unknown and must come out null (a serialiser coercing null to 0 would show here).
    await api.publishTelemetry(node, [
      { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: a100.uuid }, value: 187.5 },
      { metric: 'ipmi_power_watts', labels: { sensor: 'PSU1_Power', id: '30h', type: 'Power Supply' }, value: 410 },
      { metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 402 },
    ]);
    doc = (await api.json('/docs/json')) as OpenApi;
  });
  afterAll(() => api.close());

  it('documents a 200 schema and the error body for every monitoring JSON route, and content types for files and streams', () => {
    const documented = Object.keys(doc.paths).filter((p) => MONITOR_PATH.test(p) && !REGISTRY_PATHS.has(p) && !isEcp(doc.paths[p]!));
    // Not vacuous: the ECP route under /monitoring is in the document, and left out above only by its area.
    expect(Object.keys(doc.paths).filter((p) => MONITOR_PATH.test(p) && isEcp(doc.paths[p]!))).toEqual(['/api/v1/monitoring/system']);
    expect(documented).toEqual(expect.arrayContaining([...JSON_ROUTES, ...Object.keys(FILE_ROUTES)]));
    for (const path of documented) {
      const op = doc.paths[path]!.get;
      if (path in FILE_ROUTES) {
        expect(Object.keys(op?.responses?.['200']?.content ?? {}), path).toContain(FILE_ROUTES[path]);
        continue;
      }
      expect(JSON_ROUTES, `${path} is a monitoring route this test does not know`).toContain(path);
      const ok = jsonSchema(op, '200');
      expect(ok?.type, path).toBe('object');
      expect(Object.keys((ok?.properties as Schema | undefined) ?? {}).length, path).toBeGreaterThan(1);
      for (const status of ['400', '401', '404']) {
        expect(Object.keys((jsonSchema(op, status)?.properties as Schema | undefined) ?? {}), `${path} ${status}`).toEqual(['error', 'timestamp']);
      }
    }
  });

  it('real answers validate against their own documented schema, unknown readings still null', async () => {
    const cases: [path: string, url: string, status?: number][] = [
      ['/api/v1/accelerators/gpus', '/api/v1/accelerators/gpus'],
      ['/api/v1/accelerators/gpus', '/api/v1/accelerators/gpus?include_metrics=true'],
      ['/api/v1/accelerators/gpus/summary', '/api/v1/accelerators/gpus/summary'],
      ['/api/v1/accelerators/gpus/{gpu_id}', '/api/v1/accelerators/gpus/nvidia0'],
      ['/api/v1/accelerators/gpus/{gpu_id}/power', '/api/v1/accelerators/gpus/nvidia0/power'],
      ['/api/v1/infrastructure/nodes/{node_name}', '/api/v1/infrastructure/nodes/gpu-01'],
      ['/api/v1/hardware/ipmi/power', '/api/v1/hardware/ipmi/power'],
      ['/api/v1/monitoring/power', '/api/v1/monitoring/power'],
      ['/api/v1/monitoring/power/breakdown', '/api/v1/monitoring/power/breakdown?breakdown_by=node'],
      ['/api/v1/monitoring/power/breakdown', '/api/v1/monitoring/power/breakdown?breakdown_by=cluster'],
      ['/api/v1/clusters', '/api/v1/clusters'],
      ['/api/v1/system/health', '/api/v1/system/health'],
      ['/api/v1/system/version', '/api/v1/system/version'],
      ['/api/v1/monitoring/query', '/api/v1/monitoring/query?selector=gpu_power_watts&since=1h&agg=max'],
      ['/api/v1/infrastructure/nodes/{node_name}', '/api/v1/infrastructure/nodes/nowhere', 404],
      ['/api/v1/accelerators/gpus', '/api/v1/accelerators/gpus?limit=0', 400],
    ];
    const schemas = cases.map(([path, , status = 200]) => jsonSchema(doc.paths[path]!.get, String(status))!);
    const v = await validator(schemas);
    try {
      const bodies: Record<string, Record<string, unknown>> = {};
      for (const [i, [, url, status = 200]] of cases.entries()) {
        const res = await api.request(url);
        expect(res.status, url).toBe(status);
        const body = (await res.json()) as Record<string, unknown>;
        expect(await v.check(i, body), url).toBeNull();
        bodies[url] = body;
      }
      // A schema that is not what the handler sends would also fail the other way: a body that breaks it is refused.
      expect(await v.check(0, { ...bodies['/api/v1/accelerators/gpus'], metadata: { cache_hit: 'no' } })).not.toBeNull();

      const gpu = (bodies['/api/v1/accelerators/gpus?include_metrics=true']!.data as Record<string, unknown>[])[0]!;
      expect(gpu).toMatchObject({ uuid: a100.uuid, power_watts: 187.5, temperature_celsius: null, utilization_percent: null, memory_used_mb: null, last_sample_at: expect.any(String) });
      const power = bodies['/api/v1/hardware/ipmi/power']!.data as Record<string, unknown>[];
      // psu<N>_power_watts is an open key: the schema's patternProperties must keep it.
      // The query answer keeps its labels and points through the serialiser (the power sample fed in).
      const query = bodies['/api/v1/monitoring/query?selector=gpu_power_watts&since=1h&agg=max']!.data as { series: { labels: Record<string, string>; points: [number, number][] }[] };
      expect(query.series.map((s) => [s.labels.uuid, s.points.at(-1)?.[1]])).toEqual([[a100.uuid, 187.5]]);
      expect(power).toEqual([{ node: 'gpu-01', cluster: 'lab', total_power_watts: 402, total_power_source: 'dcmi', psu1_power_watts: 410, psu_redundancy: null }]);
    } finally {
      await v.close();
    }
  });

  it('serialises the unhealthy health answer (store down: 503) with every field kept', async () => {
    const body = {
      status: 'unhealthy',
      timestamp: new Date().toISOString(),
      version: '1.2.3',
      store: { ok: false, error: 'SQLITE_CANTOPEN: unable to open database file' },
      hub_db: { writable: false, reason: 'disk full', error: 'SQLITE_FULL: database or disk is full', since: new Date().toISOString() },
      broker: null,
      sources: { nodes: { online: 0, total: 2 }, prometheus: [{ cluster: 'p', url: 'http://prom:9090', connected: false, response_time_ms: null, error: 'ECONNREFUSED' }] },
      prometheus: { configured: true, connected: false, url: 'http://prom:9090', response_time_ms: null },
      cache: { enabled: false, hit_rate_percent: null },
      uptime_seconds: 12,
    };
    const app = Fastify();
    app.get('/health', { schema: { response: HealthResponse } }, async (_req, reply) => reply.status(503).send(body));
    try {
      const res = await app.inject('/health');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual(body);
    } finally {
      await app.close();
    }
  });
});
