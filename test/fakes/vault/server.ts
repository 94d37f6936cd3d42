import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake HashiCorp Vault (or OpenBao: same HTTP API) for tests, written from
 * Vault's HTTP API docs:
 * - developer.hashicorp.com/vault/api-docs (overview): `/v1/` prefix, the
 *   token in `X-Vault-Token` (or `Authorization: Bearer`), `X-Vault-Namespace`,
 *   errors as `{"errors": [...]}`, 403 for a missing or bad token
 *   (`permission denied`), 503 while sealed;
 * - api-docs/system/health: GET/HEAD /v1/sys/health, unauthenticated, the
 *   health body with every code: 200 active, 429 standby, 501 not
 *   initialized, 503 sealed, and the standbyok / activecode / standbycode /
 *   sealedcode / uninitcode parameters;
 * - api-docs/secret/kv/kv-v2: GET /v1/<mount>/data/<path>[?version=n]
 *   answering `data.data` and `data.metadata` (version, created_time,
 *   deletion_time, destroyed, custom_metadata), 404 `{"errors":[]}` for a
 *   path with no secret; POST (or PUT) /v1/<mount>/data/<path> with
 *   `{data, options: {cas}}` writing a new version and answering its
 *   metadata, a cas mismatch refused with 400.
 * python3-hvac (Debian, 0.11.2) checks its fidelity (vault-fake-fidelity.test.ts).
 */

export interface FakeVaultOptions {
  /** The one valid token (a root token: every path). */
  token: string;
  /** KV v2 mounts. */
  mounts?: string[];
  /** A token of this namespace: requests must carry it in X-Vault-Namespace. */
  namespace?: string;
  version?: string;
  sealed?: boolean;
  initialized?: boolean;
  standby?: boolean;
}

export interface VaultRequest {
  method: string;
  path: string;
  /** Whether the request carried the valid token, another one, or none (the token itself is not recorded). */
  token: 'valid' | 'invalid' | 'none';
  namespace: string | null;
  body: unknown;
}

interface Version {
  data: Record<string, unknown>;
  created_time: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join('; '));
  }
}

/** Vault's default max_request_size (32 MiB). */
const MAX_REQUEST = 32 * 1024 * 1024;

export class FakeVault {
  sealed: boolean;
  initialized: boolean;
  standby: boolean;
  readonly requests: VaultRequest[] = [];
  /** mount -> path -> versions (index 0 = version 1). */
  private readonly kv = new Map<string, Map<string, Version[]>>();
  private readonly sockets = new Set<Socket>();
  private address = '';

  private constructor(
    private readonly server: Server,
    private readonly opts: FakeVaultOptions,
  ) {
    this.sealed = opts.sealed ?? false;
    this.initialized = opts.initialized ?? true;
    this.standby = opts.standby ?? false;
    for (const m of opts.mounts ?? ['secret']) this.kv.set(m, new Map());
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeVaultOptions): Promise<FakeVault> {
    const server = createServer();
    const fake = new FakeVault(server, opts);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Stays the same after close (an address nothing listens on any more). */
  get url(): string {
    return this.address;
  }

  /** The versions written to a KV v2 path (oldest first), as stored. */
  versions(mount: string, path: string): Record<string, unknown>[] {
    return (this.kv.get(mount)?.get(path) ?? []).map((v) => v.data);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://vault');
    const method = req.method ?? 'GET';
    const record: VaultRequest = { method, path: url.pathname, token: this.tokenOf(req), namespace: headerOf(req, 'x-vault-namespace'), body: null };
    this.requests.push(record);
    try {
      const text = await readBody(req);
      if (text) {
        try {
          record.body = JSON.parse(text);
        } catch {
          throw new Refusal(400, ['failed to parse JSON input: invalid character']);
        }
      }
      if (url.pathname === '/v1/sys/health' && (method === 'GET' || method === 'HEAD')) return this.health(url, method, res);
      if (this.sealed) throw new Refusal(503, ['Vault is sealed']);
      if (record.token !== 'valid' || (this.opts.namespace ?? null) !== (record.namespace?.replace(/^\/+|\/+$/g, '') || null)) throw new Refusal(403, ['permission denied']);
      const m = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(url.pathname);
      const store = m ? this.kv.get(decodeURIComponent(m[1]!)) : undefined;
      if (!m || !store) throw new Refusal(404, [`no handler for route "${url.pathname.replace(/^\/v1\//, '')}". route entry not found.`]);
      const path = m[2]!.split('/').map(decodeURIComponent).join('/');
      if (method === 'GET') return send(res, 200, this.envelope(this.read(store, path, url.searchParams.get('version'))));
      if (method === 'POST' || method === 'PUT') return send(res, 200, this.envelope(this.write(store, path, record.body)));
      throw new Refusal(405, ['unsupported operation']);
    } catch (err) {
      if (err instanceof Refusal) return send(res, err.status, { errors: err.errors });
      throw err;
    }
  }

  private tokenOf(req: IncomingMessage): VaultRequest['token'] {
    const bearer = /^Bearer (.+)$/.exec(headerOf(req, 'authorization') ?? '')?.[1];
    const token = headerOf(req, 'x-vault-token') ?? bearer;
    if (token === null || token === undefined) return 'none';
    return token === this.opts.token ? 'valid' : 'invalid';
  }

  private health(url: URL, method: string, res: ServerResponse): void {
    const q = url.searchParams;
    const code = (name: string, fallback: number) => (q.has(name) ? Number(q.get(name)) : fallback);
    const standbyOk = q.has('standbyok') && q.get('standbyok') !== 'false';
    const status = !this.initialized
      ? code('uninitcode', 501)
      : this.sealed
        ? code('sealedcode', 503)
        : this.standby && !standbyOk
          ? code('standbycode', 429)
          : code('activecode', 200);
    const body = {
      initialized: this.initialized,
      sealed: this.sealed,
      standby: this.standby,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: this.opts.version ?? '1.15.6',
      cluster_name: 'vault-cluster-fake',
      cluster_id: 'f4c5b3a2-0000-4000-8000-000000000001',
    };
    if (method === 'HEAD') {
      res.writeHead(status, { 'cache-control': 'no-store' }).end();
      return;
    }
    send(res, status, body);
  }

  private read(store: Map<string, Version[]>, path: string, version: string | null): unknown {
    const versions = store.get(path);
    if (!versions) throw new Refusal(404, []);
    const n = version === null || version === '0' ? versions.length : Number(version);
    const v = Number.isInteger(n) ? versions[n - 1] : undefined;
    if (!v) throw new Refusal(404, []);
    return { data: v.data, metadata: this.metadata(v, n) };
  }

  private write(store: Map<string, Version[]>, path: string, body: unknown): unknown {
    const { data, options } = (body ?? {}) as { data?: unknown; options?: { cas?: unknown } };
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Refusal(400, ['no data provided']);
    const versions = store.get(path) ?? [];
    if (options?.cas !== undefined && options.cas !== versions.length) throw new Refusal(400, ['check-and-set parameter did not match the current version']);
    const v = { data: data as Record<string, unknown>, created_time: new Date().toISOString() };
    versions.push(v);
    store.set(path, versions);
    return this.metadata(v, versions.length);
  }

  private metadata(v: Version, n: number) {
    return { created_time: v.created_time, custom_metadata: null, deletion_time: '', destroyed: false, version: n };
  }

  private envelope(data: unknown) {
    return { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, mount_type: 'kv' };
  }
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST) throw new Refusal(413, ['http: request body too large']);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) }).end(text);
}
