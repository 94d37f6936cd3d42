import type { InstancesClient, protos, ZoneOperationsClient, ZonesClient } from '@google-cloud/compute';
import type { JWT } from 'google-auth-library';
import type { GcpCredential } from '../credential-data.js';
import { CloudProviderError } from '../provider-error.js';
import type { InstanceState, LaunchRequest, VmProviderClient } from '../vm-provider.js';
import { gcpError, isNotFound } from './errors.js';
import { gcpAuth } from './service-account.js';

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

export interface GcpOptions {
  /** Empty: Compute Engine itself; else `http(s)://host:port` of a private cloud or an emulator. */
  endpoint: string;
  /** Empty: Google's token URL. */
  tokenUrl: string;
  timeoutMs: number;
}

/** GCE instance status -> the hub's (TERMINATED is GCE's word for a stopped instance; a deleted one answers 404). */
const GCE_STATUS: Record<string, InstanceState['status']> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  REPAIRING: 'pending',
  RUNNING: 'running',
  PENDING_STOP: 'stopping',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  SUSPENDED: 'stopped',
  TERMINATED: 'stopped',
};

const lastSegment = (url: string | null | undefined) => (url ? url.slice(url.lastIndexOf('/') + 1) : null);

const stateOf = (i: Instance): InstanceState => {
  const nic = i.networkInterfaces?.[0];
  return {
    instanceId: i.name!,
    status: GCE_STATUS[String(i.status)] ?? 'pending',
    reason: i.statusMessage || null,
    publicIp: nic?.accessConfigs?.[0]?.natIP || null,
    privateIp: nic?.networkIP || null,
    zone: lastSegment(i.zone),
    instanceType: lastSegment(i.machineType),
    // GCE names the image on the boot disk resource, not on the instance: one more call per look for nothing the hub follows.
    imageId: null,
  };
};

/** An operation's error as `CODE: message`, or null when it has none. */
function operationError(op: Operation | null | undefined): { code: string; message: string } | null {
  const e = op?.error?.errors?.[0];
  if (!e) return null;
  return { code: e.code || 'OperationFailed', message: e.message || 'the operation failed' };
}

/**
 * The GCE name of a hub VM: instance names must match
 * `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`, which a VM's display name need not, so
 * it is made from the VM's id (the display name goes in `description`).
 */
export const instanceName = (clientToken: string) => `kcloud-${clientToken.toLowerCase()}`;

interface GceClients {
  instances: InstancesClient;
  operations: ZoneOperationsClient;
  zones: ZonesClient;
}

/**
 * `@google-cloud/compute` is imported on a GCP account's first call, not with
 * the hub: its generated protobuf module (30 MB of JavaScript) made every
 * HTTP request of the process it is loaded in about three times as costly
 * (a Fastify hello world: 27 -> 92 µs of CPU per request, measured on the
 * 2-core VM), so a hub with no GCP account must never load it.
 */
let sdk: Promise<typeof import('@google-cloud/compute')> | null = null;
const loadSdk = () => (sdk ??= import('@google-cloud/compute'));

/**
 * Compute Engine instances of one project and zone through
 * `@google-cloud/compute` (REST transport), authenticated as the service
 * account (JWT bearer grant at the token URL). A VM's `region` is its GCE
 * zone. Every failure is a CloudProviderError.
 */
export class GceInstances implements VmProviderClient {
  private readonly auth: JWT;
  private readonly clientOpts: ConstructorParameters<typeof InstancesClient>[0];
  private clients: Promise<GceClients> | null = null;
  private readonly project: string;
  /** The SDK retries nothing: the reconciler retries on its own schedule. */
  private readonly callOptions: { timeout: number; retry: null };

  constructor(
    credential: GcpCredential,
    private readonly zone: string | null,
    opts: GcpOptions,
  ) {
    this.project = credential.project;
    this.auth = gcpAuth(credential, opts);
    const url = opts.endpoint ? new URL(opts.endpoint) : null;
    this.clientOpts = {
      authClient: this.auth,
      fallback: true,
      ...(url ? { apiEndpoint: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80), protocol: url.protocol.slice(0, -1) } : {}),
    };
    this.callOptions = { timeout: opts.timeoutMs, retry: null };
  }

  private get where(): { project: string; zone: string } {
    if (!this.zone) throw new Error('a GCE instance call needs the VM\'s zone');
    return { project: this.project, zone: this.zone };
  }

  /** The SDK's clients, made on the first call (see loadSdk). */
  private sdkClients(): Promise<GceClients> {
    return (this.clients ??= loadSdk().then(({ InstancesClient, ZoneOperationsClient, ZonesClient }) => ({
      instances: new InstancesClient(this.clientOpts),
      operations: new ZoneOperationsClient(this.clientOpts),
      zones: new ZonesClient(this.clientOpts),
    })));
  }

  private async call<T>(fn: (c: GceClients) => Promise<T>): Promise<T> {
    const clients = await this.sdkClients();
    try {
      return await fn(clients);
    } catch (err) {
      throw gcpError(err);
    }
  }

  /** The token exchange, then a zone list in the project: proves the key and the project before the credential is stored. */
  async validate(): Promise<void> {
    await this.call(({ zones }) => zones.list({ project: this.project, maxResults: 1 }, { ...this.callOptions, autoPaginate: false }));
  }

  /**
   * instances.insert with the VM's id as `requestId`: GCE answers a retry
   * with the first request's operation, so nothing starts twice. The
   * operation is followed by `describe`; one that already failed (a retry of
   * a failed insert) is refused with its error.
   */
  async launch(req: LaunchRequest): Promise<InstanceState> {
    const { zone } = this.where;
    const name = instanceName(req.clientToken);
    const [lro] = await this.call(({ instances }) =>
      instances.insert(
        {
          ...this.where,
          requestId: req.clientToken,
          instanceResource: {
            name,
            description: req.name,
            machineType: `zones/${zone}/machineTypes/${req.instanceType}`,
            disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: req.imageId } }],
            networkInterfaces: [{ accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }],
            labels: { 'kcloud-vm': req.clientToken.toLowerCase() },
            ...(req.keyPair ? { metadata: { items: [{ key: 'ssh-keys', value: req.keyPair }] } } : {}),
          },
        },
        this.callOptions,
      ),
    );
    const failed = operationError(lro.latestResponse as Operation);
    if (failed) throw new CloudProviderError('gcp', failed.code, failed.message, 'refused');
    return { instanceId: name, status: 'pending', reason: null, publicIp: null, privateIp: null, zone };
  }

  /**
   * instances.get; when GCE does not know the instance, its insert operation
   * says why: still running (pending), failed (`terminated` with the
   * operation's error: quota, capacity), or none / done (gone: null). An
   * instance being deleted that is still there: its last delete operation
   * says whether that failed (`deleteFailed`).
   */
  async describe(instanceId: string, deleting = false): Promise<InstanceState | null> {
    try {
      const [instance] = await this.call(({ instances }) => instances.get({ ...this.where, instance: instanceId }, this.callOptions));
      const state = stateOf(instance);
      if (!deleting) return state;
      const del = await this.operationOf(instanceId, 'delete');
      const failed = del?.status === 'DONE' ? operationError(del) : null;
      return failed ? { ...state, deleteFailed: `${failed.code}: ${failed.message}` } : state;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const insert = await this.operationOf(instanceId, 'insert');
    if (!insert) return null;
    const gone = { instanceId, publicIp: null, privateIp: null, zone: this.zone };
    if (insert.status !== 'DONE') return { ...gone, status: 'pending', reason: null };
    const failed = operationError(insert);
    return failed ? { ...gone, status: 'terminated', reason: `${failed.code}: ${failed.message}` } : null;
  }

  /** The zone's latest operation of this type on this instance (GCE's regular-expression list filter on the target). */
  private async operationOf(instanceId: string, type: 'insert' | 'delete'): Promise<Operation | null> {
    const [ops] = await this.call(({ operations }) => operations.list({ ...this.where, filter: `targetLink eq .*/instances/${instanceId}` }, { ...this.callOptions, autoPaginate: false }));
    const ofType = ops.filter((op) => op.operationType === type).sort((a, b) => (Date.parse(a.insertTime ?? '') || 0) - (Date.parse(b.insertTime ?? '') || 0));
    return ofType.at(-1) ?? null;
  }

  /** instances.delete; an instance GCE does not know is already what a delete wants. */
  async terminate(instanceId: string): Promise<void> {
    try {
      const [lro] = await this.call(({ instances }) => instances.delete({ ...this.where, instance: instanceId }, this.callOptions));
      const failed = operationError(lro.latestResponse as Operation);
      if (failed) throw new CloudProviderError('gcp', failed.code, failed.message, 'refused');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  close(): void {
    void this.clients?.then((c) => Promise.all([c.instances.close(), c.operations.close(), c.zones.close()]));
  }
}
