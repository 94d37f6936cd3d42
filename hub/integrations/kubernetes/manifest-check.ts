import { parseAllDocuments } from 'yaml';
import { parseQuantity } from './quantity.js';
import { validateObject } from './schema-validation.js';

/** What a manifest to check may make the hub hold (docs/ecp.md, "Manifest validation"). */
export const MANIFEST_LIMITS = { maxBytes: 512 * 1024, maxDocuments: 200, maxAliasCount: 100 } as const;

/** The manifest cannot be read at all (not YAML, too large, alias bomb): the route answers MANIFEST_INVALID. */
export class ManifestUnreadable extends Error {}

export interface ResourceSummary {
  namespaces: number;
  deployments: number;
  services: number;
  configmaps: number;
  secrets: number;
  total_cpu_milli: number;
  total_memory_bytes: number;
  total_gpu: number;
  estimated_pods: number;
}

export interface ManifestCheck {
  errors: string[];
  warnings: string[];
  summary: ResourceSummary;
  /** `ecp.ai/preset` of the manifest's Namespace, when it has one. */
  presetLabel: string | null;
}

/** Recommended probe minimums: a liveness probe that fires sooner restarts pods still loading their models. */
const MIN_LIVENESS_DELAY_S = 10;
const MIN_PROBE_PERIOD_S = 5;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses every document; anchors and aliases bounded (each alias counts its expanded size), nothing evaluated (no custom tags). */
export function parseManifest(text: string): unknown[] {
  if (Buffer.byteLength(text) > MANIFEST_LIMITS.maxBytes) throw new ManifestUnreadable(`manifest larger than ${MANIFEST_LIMITS.maxBytes} bytes`);
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  if (docs.length > MANIFEST_LIMITS.maxDocuments) throw new ManifestUnreadable(`more than ${MANIFEST_LIMITS.maxDocuments} documents`);
  const out: unknown[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new ManifestUnreadable(`document ${i + 1}: ${doc.errors[0]!.message}`);
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.maxAliasCount });
      if (value !== null && value !== undefined) out.push(value);
    } catch (err) {
      throw new ManifestUnreadable(`document ${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}

function podSpecOf(obj: Obj): { spec: Obj; replicas: number } | null {
  const spec = obj.spec;
  if (!isObj(spec)) return null;
  const template = spec.template;
  if (!isObj(template) || !isObj(template.spec)) return null;
  const replicas = obj.kind === 'Deployment' || obj.kind === 'StatefulSet' ? (typeof spec.replicas === 'number' ? spec.replicas : 1) : 1;
  return { spec: template.spec, replicas };
}

/** Schema errors (object and field path), warnings and totals of a parsed manifest. */
export function checkManifest(objects: unknown[]): ManifestCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const summary: ResourceSummary = { namespaces: 0, deployments: 0, services: 0, configmaps: 0, secrets: 0, total_cpu_milli: 0, total_memory_bytes: 0, total_gpu: 0, estimated_pods: 0 };
  let presetLabel: string | null = null;
  objects.forEach((obj, i) => {
    if (!isObj(obj) || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
      errors.push(`document ${i + 1}: not a Kubernetes object (apiVersion and kind required)`);
      return;
    }
    const metadata = isObj(obj.metadata) ? obj.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : `#${i + 1}`;
    const id = `${obj.kind}/${name}`;
    const problems = validateObject(obj);
    if (problems === null) warnings.push(`${id}: no schema for ${obj.apiVersion} ${obj.kind}; not validated`);
    else for (const p of problems) errors.push(`${id}: ${p.path || '(object)'}: ${p.message}`);
    if (typeof metadata.name !== 'string') errors.push(`${id}: metadata.name: required`);
    const counter = ({ Namespace: 'namespaces', Deployment: 'deployments', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets' } as const)[obj.kind as 'Namespace'];
    if (counter) summary[counter]++;
    if (obj.kind === 'Namespace' && isObj(metadata.labels) && typeof metadata.labels['ecp.ai/preset'] === 'string') presetLabel = metadata.labels['ecp.ai/preset'];
    const pod = podSpecOf(obj);
    if (!pod) return;
    summary.estimated_pods += pod.replicas;
    const containers = Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
    containers.forEach((c, ci) => {
      if (!isObj(c)) return;
      const where = `${id} container ${typeof c.name === 'string' ? c.name : ci}`;
      const resources = isObj(c.resources) ? c.resources : {};
      const requests = isObj(resources.requests) ? resources.requests : {};
      const limits = isObj(resources.limits) ? resources.limits : {};
      if (!isObj(resources.limits) || limits.cpu === undefined || limits.memory === undefined) warnings.push(`${where}: no CPU/memory limits`);
      const add = (key: string, into: 'total_cpu_milli' | 'total_memory_bytes' | 'total_gpu', scale: number) => {
        const raw = requests[key] ?? limits[key];
        if (raw === undefined) return;
        const q = parseQuantity(raw);
        if (q === null) errors.push(`${where}: resources.requests.${key}: not a quantity`);
        else summary[into] += q * scale * pod.replicas;
      };
      add('cpu', 'total_cpu_milli', 1000);
      add('memory', 'total_memory_bytes', 1);
      add('nvidia.com/gpu', 'total_gpu', 1);
      const live = isObj(c.livenessProbe) ? c.livenessProbe : null;
      if (!live) warnings.push(`${where}: no liveness probe`);
      else if (Number(live.initialDelaySeconds ?? 0) < MIN_LIVENESS_DELAY_S || Number(live.periodSeconds ?? 10) < MIN_PROBE_PERIOD_S) {
        warnings.push(`${where}: liveness probe below the recommended values (initialDelaySeconds >= ${MIN_LIVENESS_DELAY_S}, periodSeconds >= ${MIN_PROBE_PERIOD_S})`);
      }
      if (!isObj(c.readinessProbe)) warnings.push(`${where}: no readiness probe`);
    });
  });
  summary.total_cpu_milli = Math.round(summary.total_cpu_milli);
  summary.total_gpu = Math.round(summary.total_gpu);
  return { errors, warnings, summary, presetLabel };
}
