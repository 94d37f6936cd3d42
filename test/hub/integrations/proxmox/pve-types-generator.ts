/**
 * Writes hub/integrations/proxmox/api-types.ts from the PVE API schema
 * (../shared/reference/pve-apidata.js, pve-docs' api-viewer data). The
 * schema is test data and never ships, so the generated file is committed
 * and pve-types.test.ts checks it is what this generator makes today.
 * Regenerate: `npx tsx test/hub/integrations/proxmox/pve-types-generator.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCHEMA_FILE = fileURLToPath(new URL('../../../../../shared/reference/pve-apidata.js', import.meta.url));
export const TYPES_FILE = fileURLToPath(new URL('../../../../hub/integrations/proxmox/api-types.ts', import.meta.url));

export interface SchemaNode {
  path: string;
  info: Record<string, { parameters?: JsonSchema; returns?: JsonSchema; description?: string }>;
  children?: SchemaNode[];
}
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: string[];
  optional?: number;
  description?: string;
}

/** The operations the hub calls: a type name, the method and the schema path. */
export const OPERATIONS: readonly [name: string, method: string, path: string][] = [
  ['Version', 'GET', '/version'],
  ['ClusterStatus', 'GET', '/cluster/status'],
  ['ClusterResources', 'GET', '/cluster/resources'],
  ['NextId', 'GET', '/cluster/nextid'],
  ['Nodes', 'GET', '/nodes'],
  ['QemuList', 'GET', '/nodes/{node}/qemu'],
  ['QemuCreate', 'POST', '/nodes/{node}/qemu'],
  ['QemuConfig', 'GET', '/nodes/{node}/qemu/{vmid}/config'],
  ['QemuConfigUpdate', 'POST', '/nodes/{node}/qemu/{vmid}/config'],
  ['QemuClone', 'POST', '/nodes/{node}/qemu/{vmid}/clone'],
  ['QemuResize', 'PUT', '/nodes/{node}/qemu/{vmid}/resize'],
  ['QemuStatusCurrent', 'GET', '/nodes/{node}/qemu/{vmid}/status/current'],
  ['QemuStart', 'POST', '/nodes/{node}/qemu/{vmid}/status/start'],
  ['QemuStop', 'POST', '/nodes/{node}/qemu/{vmid}/status/stop'],
  ['QemuShutdown', 'POST', '/nodes/{node}/qemu/{vmid}/status/shutdown'],
  ['QemuReboot', 'POST', '/nodes/{node}/qemu/{vmid}/status/reboot'],
  ['QemuDelete', 'DELETE', '/nodes/{node}/qemu/{vmid}'],
  ['QemuRrdData', 'GET', '/nodes/{node}/qemu/{vmid}/rrddata'],
  ['Vzdump', 'POST', '/nodes/{node}/vzdump'],
  ['StorageContent', 'GET', '/nodes/{node}/storage/{storage}/content'],
  ['StorageContentDelete', 'DELETE', '/nodes/{node}/storage/{storage}/content/{volume}'],
  ['TaskStatus', 'GET', '/nodes/{node}/tasks/{upid}/status'],
  ['TaskLog', 'GET', '/nodes/{node}/tasks/{upid}/log'],
  ['Ticket', 'POST', '/access/ticket'],
  ['TokenCreate', 'POST', '/access/users/{userid}/token/{tokenid}'],
  ['TokenDelete', 'DELETE', '/access/users/{userid}/token/{tokenid}'],
];

/**
 * Fields PVE answers with that its schema leaves untyped (`rrddata` items
 * are `{}`): named here, not guessed silently (../shared/notes/integrations.md).
 */
const UNTYPED_RESULTS: Record<string, string> = {
  QemuRrdData:
    'Array<{ time: number; cpu?: number; mem?: number; maxmem?: number; netin?: number; netout?: number; diskread?: number; diskwrite?: number }>',
};

export function loadSchema(file = SCHEMA_FILE): Map<string, SchemaNode> {
  const source = readFileSync(file, 'utf8');
  // The file is a script declaring `const apiSchema = [...]`: evaluated in a function scope, nothing else runs.
  const roots = new Function(`${source};\nreturn apiSchema;`)() as SchemaNode[];
  const byPath = new Map<string, SchemaNode>();
  const walk = (nodes: SchemaNode[]) => {
    for (const n of nodes) {
      byPath.set(n.path, n);
      if (n.children) walk(n.children);
    }
  };
  walk(roots);
  return byPath;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A property name; the schema's numbered families (`net[n]` for net0, net1...) become template-literal index signatures. */
const member = (name: string, optional: boolean) => {
  const family = /^(\w+)\[n\]$/.exec(name);
  if (family) return `[key: \`${family[1]}\${number}\`]`;
  return `${identifier.test(name) ? name : JSON.stringify(name)}${optional ? '?' : ''}`;
};

/** A schema as a TypeScript type; PVE writes booleans as 0/1, so both are allowed. */
export function tsType(s: JsonSchema | undefined, indent = ''): string {
  if (!s) return 'unknown';
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean | 0 | 1';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${tsType(s.items, indent)}>`;
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      if (props.length === 0) return 'Record<string, unknown>';
      const inner = `${indent}  `;
      const lines = props
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, p]) => `${inner}${member(name, Boolean(p.optional))}: ${tsType(p, inner)};`);
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      return 'unknown';
  }
}

/** Path parameters travel in the URL, not in the body or query. */
const pathParams = (path: string) => new Set([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));

export function generate(schema: Map<string, SchemaNode>): string {
  const out = [
    '// Generated by test/hub/integrations/proxmox/pve-types-generator.ts from the PVE API schema',
    '// (pve-docs api-viewer apidata.js). Do not edit: regenerate, pve-types.test.ts checks it.',
    '',
  ];
  for (const [name, method, path] of OPERATIONS) {
    const op = schema.get(path)?.info[method];
    if (!op) throw new Error(`${method} ${path} is not in the PVE schema`);
    const inPath = pathParams(path);
    const params = { ...op.parameters, properties: Object.fromEntries(Object.entries(op.parameters?.properties ?? {}).filter(([p]) => !inPath.has(p))) };
    out.push(`/** ${method} ${path} */`);
    out.push(`export type ${name}Params = ${tsType({ ...params, type: 'object' })};`);
    out.push(`export type ${name}Result = ${UNTYPED_RESULTS[name] ?? tsType(op.returns)};`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv.includes('--write')) writeFileSync(TYPES_FILE, generate(loadSchema()));
