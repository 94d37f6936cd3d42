import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Azure for tests, written from the Microsoft identity platform and
 * Azure Resource Manager REST references (no Azure can run here; see
 * ../shared/notes/integrations.md). HTTPS only, with the certificate the
 * test gives it: the Azure SDK sends bearer tokens over https only.
 *
 * Microsoft Entra ID (the `authorityHost`):
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the authority
 *   metadata MSAL reads before its first token request (an unknown tenant is
 *   `400 invalid_tenant`, AADSTS90002). Instance discovery
 *   (`/common/discovery/instance`) is not served: clients must disable it.
 * - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant, form
 *   `client_id`, `client_secret`, `scope`. A wrong secret is `401
 *   invalid_client` (AADSTS7000215), an unknown client `400
 *   unauthorized_client` (AADSTS700016), a scope other than this fake's
 *   Resource Manager (`{endpoint}/.default`) `400 invalid_scope` (AADSTS70011). Answers an opaque access token.
 *
 * Resource Manager (every call: `Authorization: Bearer` with a token of this
 * fake, else `401 InvalidAuthenticationToken`; `api-version`, else `400
 * MissingApiVersionParameter`; the principal must have the subscription,
 * else `403 AuthorizationFailed`, as is a PUT or DELETE by a principal with
 * only the Reader role). Errors in ARM's body
 * `{"error":{"code","message","target"?}}`:
 * - `GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines`: the list.
 * - `PUT|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}`
 *   (`$expand=instanceView` adds the statuses). PUT checks what ARM checks
 *   first (location, size, a known platform image, an admin user with an SSH
 *   key or a password, an existing subnet; a size over the cores quota is
 *   `409 OperationNotAllowed`) and answers `201` with
 *   `provisioningState: Creating` and an `Azure-AsyncOperation` header; a PUT
 *   of an existing VM is an update (`200`, nothing created twice). DELETE
 *   answers `202` with `Azure-AsyncOperation` and `Location`, `204` when there
 *   is nothing to delete.
 * - `GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/operations/{id}`:
 *   the operation status `{name, status: InProgress|Succeeded|Failed, error?}`.
 * - `GET .../resourceGroups/{rg}/providers/Microsoft.Compute/sshPublicKeys/{name}`: the given keys.
 * - `GET .../providers/Microsoft.Network/networkInterfaces/{nic}` and
 *   `.../publicIPAddresses/{ip}`: the NIC and public IP a VM created from
 *   its `networkInterfaceConfigurations`.
 * - `POST /subscriptions/{s}/providers/Microsoft.CostManagement/query`
 *   (Cost Management Query - Usage): `type` ActualCost|AmortizedCost|Usage,
 *   `timeframe` Custom with `timePeriod.from`/`to` (others answer `400
 *   BadRequest`), `dataset.granularity` Daily, `dataset.aggregation` of one
 *   Sum, `dataset.grouping` by the dimension ServiceName (or none). Answers
 *   the `QueryResult` shape: `properties.columns` (the aggregation's name,
 *   `UsageDate` as a Number yyyymmdd, `ServiceName`, `Currency`) and `rows`,
 *   `costPageSize` rows a page with `properties.nextLink` (same path,
 *   `$skiptoken`) to POST the same body to for the rest. The rows are the
 *   `costs` given per subscription, summed per day and service, in the
 *   period. A principal with `costReader: false` is refused as Cost
 *   Management refuses one without a cost role: `401 RBACAccessDenied`;
 *   `costFailure` makes every query answer a given error (429, 5xx).
 *
 * Progress is driven by looks, not by time, so that tests do not depend on
 * timing: each get of a VM (or of its operation) moves it one step:
 * Creating -> Succeeded with PowerState/starting -> PowerState/running; a
 * VM whose size is in `unavailableSizes` ends Failed with AllocationFailed
 * instead (in its instance view and its operation); a deleting VM answers
 * Deleting once, then is gone with its NIC and public IP. Not done: paging (but for cost queries),
 * updates that change a VM, resource groups and networks as resources (they
 * are given), extensions, disks.
 */

export interface ServicePrincipal {
  clientId: string;
  clientSecret: string;
  /** Subscriptions this principal may use. */
  subscriptions: string[];
  /** Whether it has a Cost Management role (Cost Management Reader) on them; default true. */
  costReader?: boolean;
  /** Its role on them: Contributor (default) may read, create and delete VMs; Reader only read (a PUT or DELETE is `403 AuthorizationFailed`). */
  role?: 'Contributor' | 'Reader';
}

/** One billed charge: a subscription's cost of one service on one day. */
export interface CostRow {
  /** YYYY-MM-DD (UTC). */
  date: string;
  service: string;
  cost: number;
  currency: string;
}

export interface FakeAzureOptions {
  /** PEM certificate and key the fake serves (its CA is what the client must trust). */
  cert: string;
  key: string;
  tenantId: string;
  principals: ServicePrincipal[];
  /** Resource groups that exist, in every subscription. */
  resourceGroups: string[];
  /** Subnet ids (`/subscriptions/.../virtualNetworks/{vnet}/subnets/{name}`) that exist. */
  subnets: string[];
  /** `publisher:offer:sku` of the platform images (any version). */
  images: string[];
  /** SSH public key resources (Microsoft.Compute/sshPublicKeys): `{resourceGroup}/{name}` -> OpenSSH public key. */
  sshPublicKeys?: Record<string, string>;
  /** VM sizes the region has no capacity for: the create ends Failed with AllocationFailed. */
  unavailableSizes?: string[];
  /** VM sizes whose cores exceed the subscription's quota: the PUT itself is refused, `409 OperationNotAllowed`. */
  overQuotaSizes?: string[];
  /** Charges per subscription id, for the Cost Management query (tests may change them while the fake runs). */
  costs?: Record<string, CostRow[]>;
  /** Rows per Cost Management answer page; default 1000. */
  costPageSize?: number;
}

interface Vm {
  id: string;
  vmId: string;
  name: string;
  subscription: string;
  resourceGroup: string;
  location: string;
  body: Record<string, unknown>;
  /** Where the VM is on its way: each look moves it one step. */
  phase: 'creating' | 'starting' | 'running' | 'failed' | 'deleting';
  failure: { code: string; message: string } | null;
  nicId: string;
  publicIpId: string | null;
  privateIp: string;
  publicIp: string;
  createdAt: string;
}

interface Operation {
  id: string;
  location: string;
  subscription: string;
  vmKey: string;
  kind: 'create' | 'delete';
  startTime: string;
}

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}

class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    message: string,
  ) {
    super(`AADSTS${aadsts}: ${message}`);
  }
}

const VM_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;
const VM_LIST_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines$/i;
const OP_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const SSH_KEY_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/sshPublicKeys\/([^/]+)$/i;
const COST_QUERY_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.CostManagement\/query$/i;
const NET_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(networkInterfaces|publicIPAddresses)\/([^/]+)$/i;
/** ARM's VM name rule (Linux): 1-64 letters, digits, `-`, `_`, `.`; not ending in `.` or `-`. */
const VM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$|^[A-Za-z0-9_]$/;

export class FakeAzure {
  private server: Server | null = null;
  private readonly tokens = new Map<string, { clientId: string; expires: number }>();
  /** VMs by lower-cased resource id (ARM ids are case-insensitive). */
  readonly vms = new Map<string, Vm>();
  readonly operations = new Map<string, Operation>();
  /** Every ARM request (method and path), for tests that check what the client asked. */
  readonly requests: string[] = [];
  /** Token requests answered, per client id. */
  readonly grants: string[] = [];
  /** VMs created (not updated) by a PUT. */
  creates = 0;
  /** Cost Management query pages answered (each POST, first page or nextLink). */
  costQueries = 0;
  /** Charges per subscription (from the options; a test may replace them). */
  costs: Record<string, CostRow[]>;
  /** When set, every cost query is answered with this ARM error (a test's throttling or outage). */
  costFailure: { status: number; code: string; message: string } | null = null;
  endpoint = '';

  constructor(private readonly o: FakeAzureOptions) {
    this.costs = o.costs ?? {};
  }

  async start(): Promise<this> {
    this.server = createServer({ cert: this.o.cert, key: this.o.key }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'https://fake');
    const method = req.method ?? 'GET';
    try {
      const aad = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(url.pathname);
      if (aad) return this.send(res, 200, aad[2]!.startsWith('v2.0') ? this.openidConfiguration(aad[1]!) : this.token(aad[1]!, method, body));
      this.requests.push(`${method} ${url.pathname}`);
      const clientId = this.bearer(req);
      const out = this.arm(method, url, body, clientId);
      res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...out.headers });
      res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
    } catch (err) {
      if (err instanceof AadError) {
        return this.send(res, err.status, { error: err.error, error_description: err.message, error_codes: [err.aadsts], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() });
      }
      if (!(err instanceof ArmError)) throw err;
      this.send(res, err.status, { error: { code: err.code, message: err.message, ...(err.target ? { target: err.target } : {}) } });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private tenant(tenant: string): void {
    if (tenant !== this.o.tenantId) throw new AadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }

  private openidConfiguration(tenant: string): unknown {
    this.tenant(tenant);
    const base = `${this.endpoint}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.endpoint}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  /** The client-credentials grant (RFC 6749 4.4) with a client secret, as Entra ID answers it. */
  private token(tenant: string, method: string, body: string): unknown {
    this.tenant(tenant);
    if (method !== 'POST') throw new AadError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`);
    const clientId = form.get('client_id') ?? '';
    const principal = this.o.principals.find((p) => p.clientId === clientId);
    if (!principal) throw new AadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    if (form.get('client_secret') !== principal.clientSecret) throw new AadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    const scope = form.get('scope') ?? '';
    // The audience is Resource Manager at this endpoint, as `https://management.azure.com/.default` is Azure's.
    if (!scope.split(' ').includes(`${this.endpoint}/.default`)) throw new AadError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '${scope}'.`);
    const token = `fake-arm-${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { clientId, expires: Date.now() + 3600_000 });
    this.grants.push(clientId);
    return { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token };
  }

  private bearer(req: IncomingMessage): string {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const t = this.tokens.get(m[1]!);
    if (!t || t.expires < Date.now()) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    return t.clientId;
  }

  private arm(method: string, url: URL, body: string, clientId: string): { status: number; body?: unknown; headers?: Record<string, string> } {
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    const sub = /^\/subscriptions\/([^/]+)/i.exec(url.pathname)?.[1];
    if (!sub) throw new ArmError(404, 'InvalidResourceType', `The resource type could not be found for the request '${url.pathname}'.`);
    const principal = this.o.principals.find((p) => p.clientId === clientId)!;
    const costQuery = COST_QUERY_PATH.test(url.pathname);
    if (!principal.subscriptions.includes(sub)) {
      const action = costQuery ? 'Microsoft.CostManagement/query/action' : `Microsoft.Compute/virtualMachines/${method === 'GET' ? 'read' : 'write'}`;
      throw new ArmError(403, 'AuthorizationFailed', `The client '${clientId}' with object id '${clientId}' does not have authorization to perform action '${action}' over scope '/subscriptions/${sub}' or the scope is invalid.`);
    }
    // A Reader may look, not change (ARM checks the role before the resource).
    if (principal.role === 'Reader' && method !== 'GET' && !costQuery) {
      throw new ArmError(403, 'AuthorizationFailed', `The client '${clientId}' with object id '${clientId}' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/${method === 'DELETE' ? 'delete' : 'write'}' over scope '${url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    }
    const only = (m: string) => {
      if (method !== m) throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
    };
    if (costQuery) {
      only('POST');
      if (principal.costReader === false) throw new ArmError(401, 'RBACAccessDenied', 'The client does not have authorization to perform action.');
      if (this.costFailure) throw new ArmError(this.costFailure.status, this.costFailure.code, this.costFailure.message);
      return { status: 200, body: this.costQuery(url, sub, body, apiVersion) };
    }
    if (VM_LIST_PATH.test(url.pathname)) {
      only('GET');
      return { status: 200, body: { value: [...this.vms.values()].filter((v) => v.subscription === sub).map((v) => this.render(v, false)) } };
    }
    const op = OP_PATH.exec(url.pathname);
    if (op) {
      only('GET');
      return { status: 200, body: this.operation(op[3]!) };
    }
    const sshKey = SSH_KEY_PATH.exec(url.pathname);
    if (sshKey) {
      only('GET');
      const publicKey = Object.entries(this.o.sshPublicKeys ?? {}).find(([k]) => k.toLowerCase() === `${sshKey[2]!}/${sshKey[3]!}`.toLowerCase())?.[1];
      if (!publicKey) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/sshPublicKeys/${sshKey[3]!}' under resource group '${sshKey[2]!}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      return { status: 200, body: { id: url.pathname, name: sshKey[3], type: 'Microsoft.Compute/sshPublicKeys', location: 'eastus', properties: { publicKey } } };
    }
    const net = NET_PATH.exec(url.pathname);
    if (net) {
      only('GET');
      return { status: 200, body: this.network(url.pathname, net[3]!) };
    }
    const vm = VM_PATH.exec(url.pathname);
    if (!vm) throw new ArmError(404, 'InvalidResourceType', `The resource type could not be found in the namespace for api version '${apiVersion}'.`);
    const [, , rg, name] = vm as unknown as [string, string, string, string];
    if (!this.o.resourceGroups.some((g) => g.toLowerCase() === rg.toLowerCase())) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    const key = url.pathname.toLowerCase();
    const existing = this.vms.get(key);
    if (method === 'PUT') return this.put(url.pathname, sub, rg, name, body, apiVersion, existing);
    if (method === 'DELETE') return this.remove(existing, apiVersion);
    only('GET');
    if (!existing) throw this.notFound(rg, name);
    return { status: 200, body: this.look(existing, url.searchParams.get('$expand')?.toLowerCase() === 'instanceview') };
  }

  /** Cost Management Query - Usage over the given charges: one page of `QueryResult`. */
  private costQuery(url: URL, sub: string, body: string, apiVersion: string): unknown {
    let q: { type?: string; timeframe?: string; timePeriod?: { from?: string; to?: string }; dataset?: { granularity?: string; aggregation?: Record<string, { name?: string; function?: string }>; grouping?: { type?: string; name?: string }[] } };
    try {
      q = JSON.parse(body || '{}') as typeof q;
    } catch {
      throw new ArmError(400, 'BadRequest', 'Invalid query definition: the request body could not be read as JSON.');
    }
    if (!['ActualCost', 'AmortizedCost', 'Usage'].includes(q.type ?? '')) throw new ArmError(400, 'BadRequest', `Invalid query definition: type '${q.type ?? ''}' is not supported.`);
    if (q.timeframe !== 'Custom') throw new ArmError(400, 'BadRequest', 'Invalid query definition: this fake answers only the Custom timeframe.');
    const from = Date.parse(q.timePeriod?.from ?? '');
    const to = Date.parse(q.timePeriod?.to ?? '');
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) throw new ArmError(400, 'BadRequest', 'Invalid query definition: timePeriod needs from and to, from before to.');
    if (q.dataset?.granularity !== 'Daily') throw new ArmError(400, 'BadRequest', `Invalid query definition: granularity '${q.dataset?.granularity ?? ''}' is not supported by this fake.`);
    const aggregations = Object.values(q.dataset.aggregation ?? {});
    if (aggregations.length !== 1 || aggregations[0]!.function !== 'Sum' || !aggregations[0]!.name) throw new ArmError(400, 'BadRequest', 'Invalid query definition: one Sum aggregation is expected.');
    const grouping = q.dataset.grouping ?? [];
    if (grouping.some((g) => g.type !== 'Dimension' || g.name !== 'ServiceName')) throw new ArmError(400, 'BadRequest', 'Invalid query definition: this fake groups by the ServiceName dimension only.');
    const byService = grouping.length > 0;
    const sums = new Map<string, { date: string; service: string; cost: number; currency: string }>();
    for (const c of this.costs[sub] ?? []) {
      const t = Date.parse(`${c.date}T00:00:00Z`);
      if (t < Math.floor(from / 86_400_000) * 86_400_000 || t > to) continue;
      const key = `${c.date}\0${byService ? c.service : ''}\0${c.currency}`;
      const s = sums.get(key) ?? { date: c.date, service: c.service, cost: 0, currency: c.currency };
      s.cost += c.cost;
      sums.set(key, s);
    }
    const rows = [...sums.values()]
      .sort((a, b) => a.date.localeCompare(b.date) || a.service.localeCompare(b.service))
      .map((s) => [s.cost, Number(s.date.replaceAll('-', '')), ...(byService ? [s.service] : []), s.currency]);
    const size = this.o.costPageSize ?? 1000;
    const skip = Number(url.searchParams.get('$skiptoken') ? Buffer.from(url.searchParams.get('$skiptoken')!, 'base64url').toString() : '0');
    this.costQueries++;
    const page = rows.slice(skip, skip + size);
    const nextLink = skip + size < rows.length ? `${this.endpoint}${url.pathname}?api-version=${apiVersion}&$skiptoken=${Buffer.from(String(skip + size)).toString('base64url')}` : null;
    const id = randomUUID();
    return {
      id: `subscriptions/${sub}/providers/Microsoft.CostManagement/query/${id}`,
      name: id,
      type: 'Microsoft.CostManagement/query',
      location: null,
      sku: null,
      eTag: null,
      tags: null,
      properties: {
        nextLink,
        columns: [
          { name: aggregations[0]!.name, type: 'Number' },
          { name: 'UsageDate', type: 'Number' },
          ...(byService ? [{ name: 'ServiceName', type: 'String' }] : []),
          { name: 'Currency', type: 'String' },
        ],
        rows: page,
      },
    };
  }

  private notFound(rg: string, name: string): ArmError {
    return new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }

  private asyncHeaders(op: Operation, apiVersion: string): Record<string, string> {
    const url = `${this.endpoint}/subscriptions/${op.subscription}/providers/Microsoft.Compute/locations/${op.location}/operations/${op.id}?api-version=${apiVersion}`;
    return { 'azure-asyncoperation': url, 'retry-after': '0' };
  }

  private newOp(vm: Vm, kind: Operation['kind']): Operation {
    const op: Operation = { id: randomUUID(), location: vm.location, subscription: vm.subscription, vmKey: vm.id.toLowerCase(), kind, startTime: new Date().toISOString() };
    this.operations.set(op.id, op);
    return op;
  }

  private put(path: string, sub: string, rg: string, name: string, body: string, apiVersion: string, existing: Vm | undefined) {
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    }
    if (existing) {
      // A PUT of the same VM again is an idempotent update: nothing new is created.
      return { status: 200, body: this.render(existing, false) };
    }
    if (!VM_NAME.test(name)) throw new ArmError(400, 'InvalidResourceName', `Resource name ${name} is invalid. The name can be up to 64 characters long, can contain letters, digits, '-', '_', '.', and must not end with '.' or '-'.`);
    if (typeof r.location !== 'string' || !r.location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    const p = (r.properties ?? {}) as {
      hardwareProfile?: { vmSize?: string };
      storageProfile?: { imageReference?: { publisher?: string; offer?: string; sku?: string; version?: string } };
      osProfile?: { computerName?: string; adminUsername?: string; adminPassword?: string; linuxConfiguration?: { disablePasswordAuthentication?: boolean; ssh?: { publicKeys?: { path?: string; keyData?: string }[] } } };
      networkProfile?: { networkApiVersion?: string; networkInterfaceConfigurations?: { name?: string; properties?: { ipConfigurations?: { name?: string; properties?: { subnet?: { id?: string }; publicIPAddressConfiguration?: { name?: string } } }[] } }[] };
    };
    const size = p.hardwareProfile?.vmSize;
    if (!size) throw new ArmError(400, 'InvalidParameter', 'Required parameter \'hardwareProfile.vmSize\' is missing (null).', 'vmSize');
    if (this.o.overQuotaSizes?.includes(size)) {
      throw new ArmError(409, 'OperationNotAllowed', `Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${String(r.location)}, Current Limit: 10, Current Usage: 0, Additional Required: 96, (Minimum) New Limit Required: 96.`);
    }
    const img = p.storageProfile?.imageReference;
    const urn = `${img?.publisher ?? ''}:${img?.offer ?? ''}:${img?.sku ?? ''}`;
    if (!this.o.images.some((i) => i.toLowerCase() === urn.toLowerCase()) || !img?.version) {
      throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${urn}:${img?.version ?? ''}' is not available. Verify that all fields in the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile`);
    }
    const os = p.osProfile;
    if (!os?.adminUsername) throw new ArmError(400, 'InvalidParameter', "Required parameter 'adminUsername' is missing (null).", 'adminUsername');
    const keys = os.linuxConfiguration?.ssh?.publicKeys ?? [];
    if (keys.some((k) => !/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) \S+/.test(k.keyData ?? ''))) {
      throw new ArmError(400, 'InvalidParameter', 'The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.', 'linuxConfiguration.ssh.publicKeys.keyData');
    }
    if (keys.length === 0 && (os.linuxConfiguration?.disablePasswordAuthentication || !os.adminPassword)) {
      throw new ArmError(400, 'InvalidParameter', 'Authentication using either SSH or by user name and password must be enabled in Linux profile.', 'linuxConfiguration');
    }
    const nicConf = p.networkProfile?.networkInterfaceConfigurations?.[0];
    const ipConf = nicConf?.properties?.ipConfigurations?.[0];
    if (!nicConf?.name || !ipConf) throw new ArmError(400, 'InvalidParameter', 'The value of parameter networkProfile is invalid: a VM needs a network interface.', 'networkProfile');
    if (!p.networkProfile?.networkApiVersion) throw new ArmError(400, 'InvalidParameter', 'networkApiVersion must be specified when networkInterfaceConfigurations are used.', 'networkApiVersion');
    const subnet = ipConf.properties?.subnet?.id ?? '';
    if (!this.o.subnets.some((s) => s.toLowerCase() === subnet.toLowerCase())) {
      throw new ArmError(400, 'InvalidResourceReference', `Resource ${subnet} referenced by resource ${path} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
    }
    const n = this.creates + 4;
    const netBase = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network`;
    const pipName = ipConf.properties?.publicIPAddressConfiguration?.name;
    const vm: Vm = {
      id: path,
      vmId: randomUUID(),
      name,
      subscription: sub,
      resourceGroup: rg,
      location: r.location,
      body: r,
      phase: 'creating',
      failure: null,
      nicId: `${netBase}/networkInterfaces/${nicConf.name}`,
      publicIpId: pipName ? `${netBase}/publicIPAddresses/${pipName}` : null,
      privateIp: `10.0.0.${n}`,
      publicIp: `20.30.40.${n}`,
      createdAt: new Date().toISOString(),
    };
    if (this.o.unavailableSizes?.includes(size)) {
      vm.failure = { code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance' };
    }
    this.vms.set(path.toLowerCase(), vm);
    this.creates++;
    const op = this.newOp(vm, 'create');
    return { status: 201, body: this.render(vm, false), headers: this.asyncHeaders(op, apiVersion) };
  }

  private remove(vm: Vm | undefined, apiVersion: string) {
    if (!vm) return { status: 204 };
    vm.phase = 'deleting';
    const op = this.newOp(vm, 'delete');
    const headers = this.asyncHeaders(op, apiVersion);
    return { status: 202, headers: { ...headers, location: `${headers['azure-asyncoperation']!}&monitor=true` } };
  }

  /** One look at a VM: it answers as it is, then moves one step. */
  private look(vm: Vm, instanceView: boolean): unknown {
    const seen = this.render(vm, instanceView);
    this.step(vm);
    return seen;
  }

  private step(vm: Vm): void {
    if (vm.phase === 'deleting') this.vms.delete(vm.id.toLowerCase());
    else if (vm.phase === 'creating') vm.phase = vm.failure ? 'failed' : 'starting';
    else if (vm.phase === 'starting') vm.phase = 'running';
  }

  private operation(id: string): unknown {
    const op = this.operations.get(id);
    if (!op) throw new ArmError(404, 'NotFound', `The operation '${id}' could not be found.`);
    const vm = this.vms.get(op.vmKey);
    // Each look at a running operation moves its VM one step.
    if (vm && (op.kind === 'delete' || vm.phase === 'creating' || vm.phase === 'starting')) this.step(vm);
    const after = this.vms.get(op.vmKey);
    const base = { name: op.id, startTime: op.startTime };
    if (op.kind === 'delete') return after ? { ...base, status: 'InProgress' } : { ...base, status: 'Succeeded', endTime: new Date().toISOString() };
    if (!after) return { ...base, status: 'Succeeded', endTime: new Date().toISOString() };
    if (after.phase === 'failed') return { ...base, status: 'Failed', endTime: new Date().toISOString(), error: { code: after.failure!.code, message: after.failure!.message } };
    return after.phase === 'running' ? { ...base, status: 'Succeeded', endTime: new Date().toISOString() } : { ...base, status: 'InProgress' };
  }

  private network(path: string, kind: string): unknown {
    const lower = path.toLowerCase();
    const vm = [...this.vms.values()].find((v) => v.nicId.toLowerCase() === lower || v.publicIpId?.toLowerCase() === lower);
    const name = path.slice(path.lastIndexOf('/') + 1);
    const rg = path.split('/')[4];
    if (!vm) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Network/${kind}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    if (kind.toLowerCase() === 'publicipaddresses') {
      // A dynamic public IP has its address once the VM is allocated.
      const allocated = vm.phase === 'running' || vm.phase === 'starting';
      return { id: vm.publicIpId, name, location: vm.location, type: 'Microsoft.Network/publicIPAddresses', properties: { provisioningState: 'Succeeded', publicIPAllocationMethod: 'Static', ...(allocated ? { ipAddress: vm.publicIp } : {}) } };
    }
    return {
      id: vm.nicId,
      name,
      location: vm.location,
      type: 'Microsoft.Network/networkInterfaces',
      properties: {
        provisioningState: 'Succeeded',
        primary: true,
        virtualMachine: { id: vm.id },
        ipConfigurations: [
          {
            id: `${vm.nicId}/ipConfigurations/ipconfig1`,
            name: 'ipconfig1',
            properties: { privateIPAddress: vm.privateIp, privateIPAllocationMethod: 'Dynamic', primary: true, ...(vm.publicIpId ? { publicIPAddress: { id: vm.publicIpId } } : {}) },
          },
        ],
      },
    };
  }

  private provisioningState(vm: Vm): string {
    return { creating: 'Creating', starting: 'Succeeded', running: 'Succeeded', failed: 'Failed', deleting: 'Deleting' }[vm.phase];
  }

  private instanceView(vm: Vm): unknown {
    const now = new Date().toISOString();
    const statuses: Record<string, unknown>[] = [];
    if (vm.phase === 'failed') statuses.push({ code: `ProvisioningState/failed/${vm.failure!.code}`, level: 'Error', displayStatus: 'Provisioning failed', message: vm.failure!.message, time: now });
    else statuses.push({ code: `ProvisioningState/${this.provisioningState(vm).toLowerCase()}`, level: 'Info', displayStatus: `Provisioning ${this.provisioningState(vm).toLowerCase()}`, time: now });
    if (vm.phase === 'starting') statuses.push({ code: 'PowerState/starting', level: 'Info', displayStatus: 'VM starting' });
    if (vm.phase === 'running') statuses.push({ code: 'PowerState/running', level: 'Info', displayStatus: 'VM running' });
    return { computerName: vm.name, osName: 'ubuntu', statuses };
  }

  private render(vm: Vm, instanceView: boolean): Record<string, unknown> {
    const p = (vm.body.properties ?? {}) as Record<string, unknown>;
    const os = { ...((p.osProfile ?? {}) as Record<string, unknown>) };
    // ARM never answers a password.
    delete os.adminPassword;
    return {
      id: vm.id,
      name: vm.name,
      type: 'Microsoft.Compute/virtualMachines',
      location: vm.location,
      tags: vm.body.tags ?? {},
      properties: {
        ...p,
        osProfile: os,
        vmId: vm.vmId,
        timeCreated: vm.createdAt,
        provisioningState: this.provisioningState(vm),
        networkProfile: { ...((p.networkProfile ?? {}) as Record<string, unknown>), networkInterfaces: [{ id: vm.nicId, properties: { primary: true, deleteOption: 'Delete' } }] },
        ...(instanceView ? { instanceView: this.instanceView(vm) } : {}),
      },
    };
  }
}
