import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hubFiles } from '../../../hub/core/paths.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../helpers/hub.js';
import { prng } from '../../helpers/prng.js';
import { recorder } from '../../helpers/route-table.js';

// The hub under test is the real one; its Fastify factory is wrapped only to reach the instance (inject) and the area of each route.
vi.mock('fastify', async (importOriginal) => (await import('../../helpers/route-table.js')).recordingFastify(await importOriginal()));

/** The seed of the random part; a failure names the request, and the same seed replays it. */
const SEED = 0x6b636c64;
/** Random requests per operation, on top of the systematic ones. */
const RANDOM_PER_OPERATION = 6;
/** A request that has not answered by then hangs (the hub answers these in milliseconds). */
const HANG_MS = 15_000;

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | null;
  /** Answers as a Server-Sent Events stream (sent over HTTP and cancelled after the head, not injected). */
  stream: boolean;
}

/** Strings a client can put in any path or query parameter: wrong types, huge and non-finite numbers, odd text. */
const HOSTILE_TEXT = [
  '',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e400',
  '-1',
  '0',
  '1.5',
  '9'.repeat(400),
  'x'.repeat(5000),
  'true',
  '{}',
  '\u0000',
  '💥',
  "' OR 1=1 --",
  '2026-12-31T23:59:60Z',
  '9999-99-99T99:99:99Z',
];

/**
 * JSON texts put in place of one body field: each JSON type, a negative, a
 * non-finite number (1e400 parses to Infinity), an unrepresentable date,
 * long, wide and deep values. Few, because a body that still validates can
 * reach a password check (argon2, deliberately slow).
 */
const HOSTILE_JSON = [
  'null',
  'true',
  '-1',
  '1e400',
  '"Infinity"',
  '"2026-12-31T23:59:60Z"',
  JSON.stringify('x'.repeat(100_000)),
  '{}',
  '[' + '"a",'.repeat(10_000) + '"a"]',
  '['.repeat(5_000) + ']'.repeat(5_000),
  '{"__proto__":{"admin":true}}',
];

/** Whole bodies: empty, not objects, not JSON, poisoned, oversized (the limit is 1 MiB) and deeply nested. */
const HOSTILE_BODIES: (string | undefined)[] = [
  undefined,
  '',
  '{}',
  '[]',
  'null',
  '0',
  '"text"',
  '{',
  'not json',
  '{"constructor":{"prototype":{"x":1}}}',
  `{"a":"${'x'.repeat(1024 * 1024)}"}`,
  '['.repeat(200_000) + ']'.repeat(200_000),
  '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
];

const typesOf = (s: Schema): string[] => [s.type ?? []].flat();

/** A value the schema accepts, as far as it can be told without a regex engine in reverse: known names first, then the schema's own hints. */
function validValue(s: Schema, name: string, known: Record<string, string>): unknown {
  if (known[name] !== undefined) return known[name];
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return validValue(alt[0]!, name, known);
  const type = typesOf(s)[0];
  if (type === 'integer' || type === 'number') return s.minimum ?? 1;
  if (type === 'boolean') return true;
  if (type === 'array') return [validValue(s.items ?? {}, name, known)];
  if (type === 'object') return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, validValue(v, k, known)]));
  if (s.format === 'date-time') return new Date(Date.now() - 3_600_000).toISOString();
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.format === 'email') return 'fuzz@example.com';
  // A string: the first candidate the pattern and lengths allow (ids nothing has, so a mutation hits no real account).
  const candidates = ['00000000-0000-4000-8000-000000000000', '999999', 'fuzz-value-1', 'GPU-00000000-0000-4000-8000-000000000000', 'a'.repeat(Math.max(1, s.minLength ?? 1))];
  const fits = (c: string) => c.length >= (s.minLength ?? 0) && c.length <= (s.maxLength ?? Infinity) && (!s.pattern || new RegExp(s.pattern, 'u').test(c));
  return candidates.find(fits) ?? candidates.at(-1);
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The operations of the hub's own OpenAPI document: new routes are fuzzed without touching this test. */
function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; responses?: Record<string, { content?: Record<string, unknown> }> }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema ?? null,
      stream: Object.values(op.responses ?? {}).some((r) => r.content !== undefined && 'text/event-stream' in r.content),
    })),
  );
}

interface FuzzRequest {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Every request the fuzzer sends for one operation: a valid one, each parameter and body field made hostile in turn, whole hostile bodies, then seeded random mixes. */
function requestsFor(op: Operation, known: Record<string, string>, random: () => number): FuzzRequest[] {
  const valid = new Map(op.parameters.map((p) => [p, asText(validValue(p.schema ?? {}, p.name, known))]));
  const validBody = op.body ? (validValue(op.body, '', known) as Record<string, unknown>) : null;
  const build = (label: string, values: Map<Parameter, string | string[]>, body: string | undefined, contentType = 'application/json'): FuzzRequest => {
    const url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent([...values].find(([p]) => p.in === 'path' && p.name === name)?.[1]?.toString() ?? ''));
    const query = new URLSearchParams();
    // X-Demo-Mode as the ECP seed sends it: without it the ECP area answers 400 before any handler, and its routes would go unfuzzed.
    const headers: Record<string, string> = { 'content-type': contentType, 'x-demo-mode': 'true' };
    for (const [p, v] of values) {
      if (p.in === 'query') for (const x of [v].flat()) query.append(p.name, x);
      // Header values cannot hold every byte; the hostile text goes through encoded.
      if (p.in === 'header') headers[p.name] = encodeURIComponent([v].flat().join(','));
    }
    const qs = query.toString();
    return { label, method: op.method, url: qs ? `${url}?${qs}` : url, headers, ...(body !== undefined && { body }) };
  };
  const jsonBody = (b: Record<string, unknown> | null) => (b ? JSON.stringify(b) : undefined);
  /** The valid body with one field's JSON text replaced. */
  const bodyWith = (field: string, json: string) => {
    const marker = '"__fuzz_marker__"';
    return JSON.stringify({ ...validBody, [field]: '__fuzz_marker__' }).replace(marker, json);
  };
  const out: FuzzRequest[] = [build('valid', valid, jsonBody(validBody)), build('no body, JSON content type', valid, undefined)];
  for (const p of op.parameters) {
    for (const text of HOSTILE_TEXT) out.push(build(`${p.in} ${p.name}=${JSON.stringify(text.slice(0, 30))}`, new Map([...valid, [p, text]]), jsonBody(validBody)));
    if (p.in === 'query') out.push(build(`${p.name} repeated 50 times`, new Map<Parameter, string | string[]>([...valid, [p, Array.from({ length: 50 }, () => valid.get(p)!)]]), jsonBody(validBody)));
  }
  if (op.body) {
    for (const field of Object.keys(op.body.properties ?? {})) {
      for (const json of HOSTILE_JSON) out.push(build(`body.${field}=${json.slice(0, 30)}`, valid, bodyWith(field, json)));
    }
    out.push(build('unknown body field', valid, bodyWith('__unknown_field__', '1')));
    out.push(build('text/plain body', valid, jsonBody(validBody), 'text/plain'));
  }
  for (const body of HOSTILE_BODIES) out.push(build(`body ${body === undefined ? 'absent' : JSON.stringify(body.slice(0, 20))} (${body?.length ?? 0} chars)`, valid, body));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  for (let i = 0; i < RANDOM_PER_OPERATION; i++) {
    const values = new Map<Parameter, string>([...valid].map(([p, v]) => [p, random() < 0.4 ? pick(HOSTILE_TEXT) : v]));
    const fields = Object.keys(op.body?.properties ?? {});
    const body = op.body && fields.length > 0 && random() < 0.7 ? bodyWith(pick(fields), pick(HOSTILE_JSON)) : pick(HOSTILE_BODIES);
    out.push(build(`random #${i}`, values, body));
  }
  return out;
}

/**
 * Why a 4xx answer is not an error body the hub writes, or null when it is:
 * JSON with an error code (each area has its own documented shape, checked
 * by its tests), not Fastify's built-in `{statusCode, code: 'FST_ERR_...'}`.
 */
function notHubErrorBody(type: string, text: string): string | null {
  if (!type.includes('json')) return `content-type ${type}`;
  const b = JSON.parse(text) as { code?: unknown; statusCode?: unknown; error?: { code?: unknown } };
  const code = b.code ?? b.error?.code;
  if (typeof code !== 'string') return 'no error code';
  if (code.startsWith('FST_') || b.statusCode !== undefined) return 'Fastify\'s own error body';
  return null;
}

describe('fuzzing every operation of the OpenAPI document (real hub)', () => {
  let hub: ApiHub;
  let app: FastifyInstance;
  let operations: Operation[];
  let closed = false;
  const known: Record<string, string> = { node_name: 'fuzz-node', cluster_name: 'fuzz-cluster', cluster: 'fuzz-cluster', node: 'fuzz-node' };
  /**
   * The admin's credentials: a JWT (cheap to check on every request, where
   * Basic would run argon2 each time), and an API key for the logouts, which
   * would revoke the token the rest use (credential routes need the JWT).
   */
  let token = '';
  let apiKey = '';
  const credentialFor = (op: Operation): Record<string, string> => (op.path.endsWith('/logout') ? { 'x-api-key': apiKey } : { authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // Thousands of requests from one address and account: limits and login throttling must not stand in for an answer.
    const many = 1_000_000;
    hub = await startApiHub({
      auth: { rateLimit: { anonymous: many, authenticated: many, apiKey: many }, loginThrottle: { perAccount: many, perIp: many, delayAfter: many } },
    });
    const node = await hub.addNode(known.node_name!, known.cluster_name!);
    await hub.publishStatus(node, {});
    app = recorder.servers.at(-1)!;
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    operations = operationsOf(doc.json());
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    token = (login.json() as { data: { token: string } }).data.token;
    const key = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${token}` }, payload: { name: 'fuzz logouts' } });
    apiKey = (key.json() as { data: { key: string } }).data.key;
  });
  afterAll(async () => {
    if (!closed) await hub?.close();
  });

  /** Sends one request; the answer's status and body, or a failure naming the request when none comes. */
  const send = async (op: Operation, r: FuzzRequest): Promise<{ status: number; type: string; text: string }> => {
    const headers = { ...r.headers, ...credentialFor(op) };
    const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${r.method} ${r.url.slice(0, 200)} (${r.label}): no answer in ${HANG_MS} ms`)), HANG_MS).unref());
    if (op.stream) {
      // fetch sends no body with a GET; the stream is a GET.
      const body = r.method === 'GET' ? undefined : r.body;
      const res = await Promise.race([hub.request(r.url, { method: r.method, user: null, headers, ...(body !== undefined && { body }) }), hang]);
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith('text/event-stream')) return { status: res.status, type, text: await res.text() };
      await res.body?.cancel();
      return { status: res.status, type, text: '' };
    }
    const res = await Promise.race([app.inject({ method: r.method as 'GET', url: r.url, headers, ...(r.body !== undefined && { payload: r.body }) }), hang]);
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), text: res.body };
  };

  it('reads the operations from the hub\'s generated document', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.some((o) => o.body !== null) && operations.some((o) => o.parameters.some((p) => p.in === 'query'))).toBe(true);
  });

  it('answers every hostile request without a 500 or a hang, a 4xx with an error body of the hub\'s', { timeout: 300_000 }, async () => {
    const random = prng(SEED);
    const wrong: string[] = [];
    let sent = 0;
    for (const op of operations) {
      for (const r of requestsFor(op, known, random)) {
        const a = await send(op, r);
        sent++;
        const what = `${r.method} ${r.url.slice(0, 120)} (${r.label}): ${a.status} ${a.text.slice(0, 200)}`;
        // 502/503 are deliberate answers about a backend (Prometheus down, a manager not configured), in the hub's error body; any other 5xx is a failure.
        const deliberate = (a.status === 502 || a.status === 503) && notHubErrorBody(a.type, a.text) === null;
        if (a.status >= 500 && !deliberate) wrong.push(what);
        const why = a.status >= 400 && a.status < 500 ? notHubErrorBody(a.type, a.text) : null;
        if (why) wrong.push(`${why}: ${what}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(operations.length * 20);
  });

  it('leaves hub.db and tsdb.db passing integrity_check', async () => {
    await hub.close();
    closed = true;
    for (const file of Object.values(hubFiles(hub.dataDir))) {
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
        expect(db.pragma('foreign_key_check'), file).toEqual([]);
      } finally {
        db.close();
      }
    }
  });
});
