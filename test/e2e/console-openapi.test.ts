import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../helpers/api.js';
import { REPO } from '../helpers/spawn-agent.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[] };

/**
 * Which answer each interface of console/src/types.ts describes: the
 * operation and the path inside its 200 body (`[]` steps into an array's
 * items). Every interface must be here, so a new one is checked too.
 */
const ANSWERS: Record<string, [string, string[], Method?]> = {
  Gpu: ['/api/v1/accelerators/gpus', ['data', '[]']],
  GpuMetrics: ['/api/v1/accelerators/gpus/{gpu_id}/metrics', ['data']],
  NodeRow: ['/api/v1/infrastructure/nodes', ['data', '[]']],
  NodePower: ['/api/v1/monitoring/power/breakdown', ['data', '[]']],
  NamespacePower: ['/api/v1/monitoring/power/breakdown', ['data', '[]']],
  NodeSensors: ['/api/v1/hardware/ipmi/sensors', ['data', '[]']],
  Sensor: ['/api/v1/hardware/ipmi/sensors', ['data', '[]', 'sensors', 'power', '[]']],
  PodRow: ['/api/v1/infrastructure/pods', ['data', '[]']],
  PowerPoint: ['/api/v1/monitoring/timeseries/power', ['data', '[]']],
  CostBreakdown: ['/api/v1/cost-analysis/breakdown', ['data']],
  NotificationList: ['/api/v1/notifications', ['data']],
  QuerySeries: ['/api/v1/monitoring/query', ['data', 'series', '[]']],
  Server: ['/api/servers', ['servers', '[]']],
  Task: ['/api/tasks/{task_id}', []],
  Backup: ['/api/backups', ['backups', '[]']],
  ClusterRow: ['/api/v1/clusters', ['data', '[]']],
  ProxmoxCluster: ['/api/v1/clusters/{cluster_name}', []],
  CostAnalysis: ['/api/v1/cost-analysis', ['data']],
  Credential: ['/api/v1/credentials', ['data', 'credentials', '[]']],
  Workspace: ['/api/v1/workspaces', ['data', 'workspaces', '[]']],
  Vm: ['/api/v1/vms', ['data', 'vms', '[]']],
  Tenant: ['/api/v1/tenants', ['tenants', '[]']],
  TaskStarted: ['/api/servers/{id}/status', [], 'put'],
  TenantUpdated: ['/api/v1/tenants/{tenantId}', [], 'put'],
  TenantDeletion: ['/api/v1/tenants/{tenantId}', [], 'delete'],
};

/** The method whose 200 answer an interface describes (GET unless named). */
type Method = 'get' | 'post' | 'put' | 'delete';

/** Every exported interface of the console's types file with its property names, read by the TypeScript compiler. */
function consoleInterfaces(): Map<string, string[]> {
  const file = join(REPO, 'console/src/types.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string[]>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) out.set(node.name.text, node.members.filter(ts.isPropertySignature).map((m) => m.name.getText(source)));
  });
  return out;
}

/** The alternatives a schema allows (anyOf/oneOf, nullable unions), flattened. */
const alternatives = (s: Schema): Schema[] => [s, ...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap((x) => (x === s ? [x] : alternatives(x)));

/** The schemas reached by following `path` from `s` through every alternative. */
function follow(s: Schema, path: string[]): Schema[] {
  if (path.length === 0) return alternatives(s);
  const [step, ...rest] = path;
  return alternatives(s).flatMap((alt) => {
    const next = step === '[]' ? alt.items : alt.properties?.[step!];
    return next ? follow(next, rest) : [];
  });
}

/**
 * The console's hand-written answer types against the hub's OpenAPI
 * document (the one the TypeBox schemas that validate and serialise the
 * answers generate): every field the console reads must be one the answer
 * has, so a renamed or dropped field fails here, not silently as "–" on a
 * page.
 */
describe('web console types against the OpenAPI document (real hub)', () => {
  let hub: ApiHub;
  let doc: { paths: Record<string, Partial<Record<Method, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>> };
  beforeAll(async () => {
    hub = await startApiHub();
    doc = await hub.json('/docs/json');
  });
  afterAll(async () => hub?.close());

  it('maps every interface of console/src/types.ts to an answer', () => {
    expect([...consoleInterfaces().keys()].sort()).toEqual(Object.keys(ANSWERS).sort());
  });

  it('reads only fields the answers have', () => {
    const missing: string[] = [];
    for (const [name, fields] of consoleInterfaces()) {
      const [path, inside, method = 'get'] = ANSWERS[name]!;
      const route = `${method.toUpperCase()} ${path}`;
      const body = doc.paths[path]?.[method]?.responses['200']?.content?.['application/json']?.schema;
      expect(body, `${route} in the document`).toBeDefined();
      const objects = follow(body!, inside);
      expect(objects.length, `${name}: ${inside.join('.')} in ${route}`).toBeGreaterThan(0);
      const known = new Set(objects.flatMap((o) => Object.keys(o.properties ?? {})));
      for (const f of fields) if (!known.has(f)) missing.push(`${name}.${f} (${route})`);
    }
    expect(missing).toEqual([]);
  });
});
