import { randomBytes, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Compute Engine for tests, written from the GCE v1 REST reference
 * and Google's OAuth 2.0 service-account flow (no GCE can run here; see
 * ../shared/notes/integrations.md):
 *
 * - `POST /token`: the JWT bearer grant (RFC 7523). The assertion's RS256
 *   signature is checked with the public key of the service account named
 *   by `iss`, `aud` must be Google's token URL, `exp` in the future; a bad
 *   one is Google's `400 {"error":"invalid_grant",...}`. Answers an access
 *   token the compute routes then require.
 * - `/compute/v1/projects/{p}/zones` (list), `.../zones/{z}/instances`
 *   (insert with `requestId`, list), `.../instances/{name}` (get, delete),
 *   `.../zones/{z}/operations` (list with one `field eq regex` filter),
 *   `.../operations/{op}` (get) and `.../operations/{op}/wait`.
 *   Errors in GCE's body `{"error":{"code","message","errors":[{reason,...}]}}`.
 *
 * Progress is driven by looks, not by time, so that tests do not depend on
 * timing: each read of an operation moves it PENDING -> RUNNING -> DONE
 * (`wait` runs it to DONE); each get of an instance moves it PROVISIONING ->
 * STAGING -> RUNNING (its insert operation is then DONE); a deleted
 * instance answers STOPPING once, then is gone.
 * An insert whose machine type is in `quotaExceeded` becomes an operation
 * that ends in a QUOTA_EXCEEDED error and makes no instance; the next delete
 * of an instance named in `failingDeletes` becomes an operation that ends
 * in an INTERNAL_ERROR and leaves the instance as it was; an unknown
 * image is refused at once (400 invalid). Not done: pagination beyond one
 * page, other filters, disks, networks, regions, global operations.
 */

export interface ServiceAccount {
  email: string;
  /** PEM (SPKI) public key of the account's key pair: the fake checks token assertions with it. */
  publicKey: string;
  /** Projects this account may use. */
  projects: string[];
}

export interface FakeGceOptions {
  serviceAccounts: ServiceAccount[];
  zones?: string[];
  /** `projects/<p>/global/images/<name>` (or a family path) that instances may boot from. */
  images: string[];
  /** Machine types whose insert operation fails with QUOTA_EXCEEDED. */
  quotaExceeded?: string[];
}

interface Op {
  id: string;
  name: string;
  project: string;
  zone: string;
  operationType: 'insert' | 'delete';
  targetName: string;
  targetId: string;
  requestId: string | null;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  error: { code: string; message: string } | null;
  /** The HTTP status GCE gives a failed operation (`httpErrorStatusCode`, `httpErrorMessage`). */
  httpError: [number, string];
  insertTime: string;
  endTime: string | null;
  /** What happens when the operation reaches DONE. */
  onDone: () => void;
}

interface Instance {
  id: string;
  name: string;
  project: string;
  zone: string;
  description: string;
  machineType: string;
  sourceImage: string;
  status: 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'TERMINATED';
  networkIP: string;
  natIP: string;
  labels: Record<string, string>;
  creationTimestamp: string;
  deleting: boolean;
}

/** Google's token URL: the `aud` every service-account assertion must carry (google-auth-library signs it even when the request goes elsewhere). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

class GceError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
let nextId = 1_000_000_000_000n;
const numericId = () => String(nextId++);

export class FakeGce {
  private server: Server | null = null;
  private readonly tokens = new Map<string, { email: string; expires: number }>();
  readonly instances = new Map<string, Instance>();
  readonly operations = new Map<string, Op>();
  /** Instance names whose next delete operation fails (a test adds one; the delete takes it out). */
  readonly failingDeletes = new Set<string>();
  /** Token grants answered, per service-account email. */
  readonly grants: string[] = [];
  endpoint = '';

  constructor(private readonly o: FakeGceOptions) {}

  get tokenUrl(): string {
    return `${this.endpoint}/token`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  private zones(): string[] {
    return this.o.zones ?? ['us-central1-a', 'us-central1-b'];
  }

  private base(project: string, zone: string): string {
    return `${this.endpoint}/compute/v1/projects/${project}/zones/${zone}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    try {
      if (req.method === 'POST' && url.pathname === '/token') return this.send(res, 200, this.grant(body));
      const email = this.bearer(req);
      this.send(res, 200, this.compute(req.method ?? 'GET', url, body, email));
    } catch (err) {
      if (err instanceof OAuthError) return this.send(res, err.status, { error: err.error, error_description: err.message });
      if (!(err instanceof GceError)) throw err;
      this.send(res, err.status, { error: { code: err.status, message: err.message, errors: [{ message: err.message, domain: 'global', reason: err.reason }] } });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }

  /** The JWT bearer grant: the assertion must be signed by the key of the account it names. */
  private grant(body: string): unknown {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type: ' + form.get('grant_type'));
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) throw new OAuthError(400, 'invalid_request', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = b64json(parts[0]!);
      claims = b64json(parts[1]!);
    } catch {
      throw new OAuthError(400, 'invalid_request', 'Invalid JWT: cannot be decoded.');
    }
    const account = this.o.serviceAccounts.find((a) => a.email === claims.iss);
    if (!account) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found');
    const signed = header.alg === 'RS256' && verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), account.publicKey, Buffer.from(parts[2]!, 'base64url'));
    if (!signed) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const now = Date.now() / 1000;
    if (claims.aud !== GOOGLE_TOKEN_URL || typeof claims.exp !== 'number' || claims.exp < now || typeof claims.iat !== 'number' || claims.iat > now + 300) {
      throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    const token = `ya29.fake-${randomBytes(16).toString('hex')}`;
    this.tokens.set(token, { email: account.email, expires: Date.now() + 3600_000 });
    this.grants.push(account.email);
    return { access_token: token, expires_in: 3599, token_type: 'Bearer' };
  }

  private bearer(req: IncomingMessage): string {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const t = m ? this.tokens.get(m[1]!) : undefined;
    if (!t || t.expires < Date.now()) throw new GceError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    return t.email;
  }

  private compute(method: string, url: URL, body: string, email: string): unknown {
    const m = /^\/compute\/v1\/projects\/([^/]+)\/zones(?:\/([^/]+)(?:\/(instances|operations)(?:\/([^/]+)(\/wait)?)?)?)?$/.exec(url.pathname);
    if (!m) throw new GceError(404, 'notFound', `The requested URL ${url.pathname} was not found on this server.`);
    const [, project, zone, collection, name, wait] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined, string | undefined];
    const account = this.o.serviceAccounts.find((a) => a.email === email)!;
    if (!account.projects.includes(project)) throw new GceError(403, 'forbidden', `Required 'compute.zones.list' permission for 'projects/${project}'`);
    if (!zone) {
      if (method !== 'GET') throw new GceError(405, 'methodNotAllowed', 'Method not allowed');
      return { kind: 'compute#zoneList', items: this.zones().map((z) => ({ kind: 'compute#zone', name: z, status: 'UP', region: `${this.endpoint}/compute/v1/projects/${project}/regions/${z.replace(/-[a-z]$/, '')}` })) };
    }
    if (!this.zones().includes(zone)) throw new GceError(404, 'notFound', `The resource 'projects/${project}/zones/${zone}' was not found`);
    if (collection === 'operations') return this.operation(method, project, zone, name, Boolean(wait), url);
    if (collection !== 'instances') throw new GceError(404, 'notFound', `The requested URL ${url.pathname} was not found on this server.`);
    if (!name && method === 'POST') return this.insert(project, zone, body, url.searchParams.get('requestId'));
    if (!name && method === 'GET') return { kind: 'compute#instanceList', id: `projects/${project}/zones/${zone}/instances`, items: [...this.instances.values()].filter((i) => i.project === project && i.zone === zone).map((i) => this.render(i)), selfLink: `${this.base(project, zone)}/instances` };
    const key = `${project}/${zone}/${name}`;
    const instance = this.instances.get(key);
    if (!instance) throw new GceError(404, 'notFound', `The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`);
    if (method === 'GET') return this.look(key, instance);
    if (method === 'DELETE') return this.remove(key, instance, url.searchParams.get('requestId'));
    throw new GceError(405, 'methodNotAllowed', 'Method not allowed');
  }

  private insert(project: string, zone: string, body: string, requestId: string | null): unknown {
    if (requestId !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(requestId)) throw new GceError(400, 'invalid', `Invalid value for field 'requestId': '${requestId}'. The requestId must be a valid UUID.`);
    // A retried request with the same requestId is the first one's operation: nothing is done twice.
    const earlier = requestId ? [...this.operations.values()].find((op) => op.requestId === requestId) : undefined;
    if (earlier) return this.renderOp(earlier);
    const r = JSON.parse(body || '{}') as { name?: string; machineType?: string; description?: string; labels?: Record<string, string>; disks?: { boot?: boolean; initializeParams?: { sourceImage?: string } }[] };
    if (!r.name || !NAME.test(r.name)) throw new GceError(400, 'invalid', `Invalid value for field 'resource.name': '${r.name ?? ''}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
    const mt = /^(?:.*\/)?zones\/([^/]+)\/machineTypes\/([a-z0-9-]+)$/.exec(r.machineType ?? '');
    if (!mt || mt[1] !== zone) throw new GceError(400, 'invalid', `Invalid value for field 'resource.machineType': '${r.machineType ?? ''}'. Machine type with name '${r.machineType ?? ''}' does not exist in zone '${zone}'.`);
    const image = r.disks?.find((d) => d.boot)?.initializeParams?.sourceImage ?? '';
    if (!this.o.images.some((i) => image === i || image.endsWith(`/${i}`))) {
      throw new GceError(400, 'invalid', `Invalid value for field 'resource.disks[0].initializeParams.sourceImage': '${image}'. The referenced image resource cannot be found.`);
    }
    const key = `${project}/${zone}/${r.name}`;
    if (this.instances.has(key)) throw new GceError(409, 'alreadyExists', `The resource 'projects/${project}/zones/${zone}/instances/${r.name}' already exists`);
    const id = numericId();
    const quota = this.o.quotaExceeded?.includes(mt[2]!);
    const n = this.instances.size + 2;
    const instance: Instance = {
      id,
      name: r.name,
      project,
      zone,
      description: r.description ?? '',
      machineType: mt[2]!,
      sourceImage: image,
      status: 'PROVISIONING',
      networkIP: `10.128.0.${n}`,
      natIP: `34.70.0.${n}`,
      labels: r.labels ?? {},
      creationTimestamp: new Date().toISOString(),
      deleting: false,
    };
    // The instance exists while its insert runs, unless the insert is going to fail.
    if (!quota) this.instances.set(key, instance);
    const op = this.newOp(project, zone, 'insert', r.name, id, requestId, () => {
      if (quota) op.error = { code: 'QUOTA_EXCEEDED', message: `Quota 'CPUS' exceeded.  Limit: 8.0 in region ${zone.replace(/-[a-z]$/, '')}.` };
    });
    return this.renderOp(op);
  }

  private remove(key: string, instance: Instance, requestId: string | null): unknown {
    const earlier = requestId ? [...this.operations.values()].find((op) => op.requestId === requestId) : undefined;
    if (earlier) return this.renderOp(earlier);
    if (this.failingDeletes.delete(instance.name)) {
      // The operation runs and fails; the instance stays as it is.
      const failing = this.newOp(instance.project, instance.zone, 'delete', instance.name, instance.id, requestId, () => {
        failing.error = { code: 'INTERNAL_ERROR', message: `Internal error. Please try again or contact Google Support. (Code: '${failing.id}')` };
        failing.httpError = [500, 'INTERNAL SERVER ERROR'];
      });
      return this.renderOp(failing);
    }
    instance.deleting = true;
    instance.status = 'STOPPING';
    const op = this.newOp(instance.project, instance.zone, 'delete', instance.name, instance.id, requestId, () => this.instances.delete(key));
    return this.renderOp(op);
  }

  /** One get of an instance: it moves one step towards RUNNING, or, being deleted, answers STOPPING once and is then gone. */
  private look(key: string, i: Instance): unknown {
    const seen = this.render(i);
    if (i.deleting) {
      this.instances.delete(key);
      for (const op of this.operations.values()) if (op.targetId === i.id && op.operationType === 'delete' && op.status !== 'DONE') this.finish(op);
    } else if (i.status === 'PROVISIONING') i.status = 'STAGING';
    else if (i.status === 'STAGING') {
      i.status = 'RUNNING';
      // The insert is done once its instance runs.
      for (const op of this.operations.values()) if (op.targetId === i.id && op.operationType === 'insert') this.finish(op);
    }
    return seen;
  }

  private newOp(project: string, zone: string, operationType: Op['operationType'], targetName: string, targetId: string, requestId: string | null, onDone: () => void): Op {
    const op: Op = { id: numericId(), name: `operation-${Date.now()}-${randomUUID().slice(0, 8)}`, project, zone, operationType, targetName, targetId, requestId, status: 'PENDING', error: null, httpError: [403, 'FORBIDDEN'], insertTime: new Date().toISOString(), endTime: null, onDone };
    this.operations.set(`${project}/${zone}/${op.name}`, op);
    return op;
  }

  private finish(op: Op): void {
    if (op.status === 'DONE') return;
    op.status = 'DONE';
    op.endTime = new Date().toISOString();
    op.onDone();
  }

  /** A look at an operation moves it one step; wait runs it to the end. */
  private step(op: Op, toEnd: boolean): void {
    if (toEnd || op.status === 'RUNNING') this.finish(op);
    else if (op.status === 'PENDING') op.status = 'RUNNING';
  }

  private operation(method: string, project: string, zone: string, name: string | undefined, wait: boolean, url: URL): unknown {
    if (!name) {
      if (method !== 'GET') throw new GceError(405, 'methodNotAllowed', 'Method not allowed');
      const match = this.filter(url.searchParams.get('filter'));
      const ops = [...this.operations.values()].filter((op) => op.project === project && op.zone === zone).filter((op) => match(this.renderOp(op)));
      for (const op of ops) this.step(op, false);
      return { kind: 'compute#operationList', id: `projects/${project}/zones/${zone}/operations`, items: ops.map((op) => this.renderOp(op)), selfLink: `${this.base(project, zone)}/operations` };
    }
    const op = this.operations.get(`${project}/${zone}/${name}`);
    if (!op) throw new GceError(404, 'notFound', `The resource 'projects/${project}/zones/${zone}/operations/${name}' was not found`);
    if ((wait && method !== 'POST') || (!wait && method !== 'GET')) throw new GceError(405, 'methodNotAllowed', 'Method not allowed');
    this.step(op, wait);
    return this.renderOp(op);
  }

  /** The regular-expression filter form GCE documents for lists: `field eq regex` (RE2, the whole value must match). */
  private filter(expr: string | null): (item: Record<string, unknown>) => boolean {
    if (!expr) return () => true;
    const m = /^([A-Za-z]+) eq (\S+)$/.exec(expr.trim());
    if (!m) throw new GceError(400, 'invalid', `Invalid value for field 'filter': '${expr}'. Invalid list filter expression.`);
    const re = new RegExp(`^(?:${m[2]})$`);
    return (item) => re.test(String(item[m[1]!] ?? ''));
  }

  private render(i: Instance): Record<string, unknown> {
    const base = this.base(i.project, i.zone);
    return {
      kind: 'compute#instance',
      id: i.id,
      creationTimestamp: i.creationTimestamp,
      name: i.name,
      description: i.description,
      machineType: `${base}/machineTypes/${i.machineType}`,
      status: i.status,
      zone: base,
      networkInterfaces: [{ kind: 'compute#networkInterface', name: 'nic0', network: `${this.endpoint}/compute/v1/projects/${i.project}/global/networks/default`, networkIP: i.networkIP, accessConfigs: [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'External NAT', natIP: i.natIP }] }],
      disks: [{ kind: 'compute#attachedDisk', boot: true, autoDelete: true, source: `${base}/disks/${i.name}` }],
      labels: i.labels,
      selfLink: `${base}/instances/${i.name}`,
    };
  }

  private renderOp(op: Op): Record<string, unknown> {
    const base = this.base(op.project, op.zone);
    return {
      kind: 'compute#operation',
      id: op.id,
      name: op.name,
      zone: base,
      operationType: op.operationType,
      targetLink: `${base}/instances/${op.targetName}`,
      targetId: op.targetId,
      status: op.status,
      progress: op.status === 'DONE' ? 100 : 0,
      insertTime: op.insertTime,
      ...(op.endTime ? { endTime: op.endTime } : {}),
      ...(op.error ? { error: { errors: [op.error] }, httpErrorStatusCode: op.httpError[0], httpErrorMessage: op.httpError[1] } : {}),
      selfLink: `${base}/operations/${op.name}`,
    };
  }
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}
