import { Agent } from 'node:https';
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { Static } from '@sinclair/typebox';
import type { AzureCredentialData } from '../credential-data.js';
import { CloudProviderError } from '../provider-error.js';
import type { InstanceState, LaunchRequest, VmProviderClient } from '../vm-provider.js';
import { authorityRefusal, PUBLIC_AUTHORITY } from './authority.js';
import { azureError } from './errors.js';
import { imageReference, imageUrn, parseResourceId, vmName, vmResourceId, type VmRef } from './names.js';

export interface AzureOptions {
  /** Resource Manager base URL; empty: Azure's public cloud (https://management.azure.com). */
  endpoint: string;
  /** Microsoft Entra ID authority host; empty: Azure's public cloud (https://login.microsoftonline.com). */
  authorityHost: string;
  /** The resource group the hub's VMs are created in (it must exist, with the network below). */
  resourceGroup: string;
  timeoutMs: number;
  /** PEM CA certificate(s) trusted for both hosts instead of the public ones (a private cloud's CA; the fake's in tests); empty: the system's. */
  ca?: string;
}

export type AzureCredential = Static<typeof AzureCredentialData>;

const PUBLIC_ARM = 'https://management.azure.com';
/** The admin account of the hub's Linux VMs (Azure's own default in `az vm create`). */
const ADMIN_USER = 'azureuser';
/** Since this network API version a VM creates (and, with deleteOption Delete, deletes) its own NIC and public IP. */
const NETWORK_API_VERSION = '2020-11-01';

/**
 * The subnet a VM's NIC joins: `default` of the virtual network
 * `kcloud-<location>` in the hub's resource group (virtual networks are
 * regional; the operator creates one per location the hub launches in).
 */
export const subnetId = (subscriptionId: string, resourceGroup: string, location: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/kcloud-${location}/subnets/default`;

/** Resource Manager's 404: the resource (or its resource group) does not exist (any more). */
const isNotFound = (err: unknown) => (err as { statusCode?: number } | null)?.statusCode === 404;

type Status = Pick<InstanceState, 'status' | 'reason'>;

/**
 * A VM's provisioning state and power state (from its instance view) in the
 * hub's words: Creating/Updating without a power state is pending, Failed is
 * failed with the instance view's error, Deleting is terminating; otherwise
 * PowerState/starting|running|stopping|deallocating|stopped|deallocated.
 */
export function statusOf(vm: Pick<VirtualMachine, 'provisioningState' | 'instanceView'>): Status {
  const statuses = vm.instanceView?.statuses ?? [];
  const provisioning = (vm.provisioningState ?? '').toLowerCase();
  if (provisioning === 'failed') {
    const failed = statuses.find((s) => s.code?.toLowerCase().startsWith('provisioningstate/failed'));
    const code = failed?.code?.split('/')[2] ?? 'ProvisioningFailed';
    return { status: 'failed', reason: `${code}: ${failed?.message ?? failed?.displayStatus ?? 'provisioning failed'}` };
  }
  if (provisioning === 'deleting') return { status: 'terminating', reason: null };
  const power = statuses.find((s) => s.code?.toLowerCase().startsWith('powerstate/'))?.code?.split('/')[1]?.toLowerCase();
  switch (power) {
    case 'running':
      return { status: 'running', reason: null };
    case 'stopping':
    case 'deallocating':
      return { status: 'stopping', reason: null };
    case 'stopped':
    case 'deallocated':
      return { status: 'stopped', reason: null };
    default:
      return { status: 'pending', reason: null };
  }
}

/** The two ARM clients of a credential. */
interface Arm {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
}

/**
 * The Azure SDKs are imported on an Azure account's first call, not with
 * the hub: `@azure/arm-network` alone is ~12 MB of heap and ~36 MB of RSS
 * that a hub without Azure accounts would carry (and every major garbage
 * collection would walk).
 */
let sdks: Promise<[typeof import('@azure/arm-compute'), typeof import('@azure/arm-network'), typeof import('@azure/identity')]> | null = null;
const loadSdks = () => (sdks ??= Promise.all([import('@azure/arm-compute'), import('@azure/arm-network'), import('@azure/identity')]));

/**
 * Virtual machines of one subscription and location through
 * `@azure/arm-compute` (and `@azure/arm-network` for a VM's addresses),
 * authenticated as the credential's service principal (client-credentials
 * grant at the authority host). A VM's `region` is its Azure location; its
 * instance id is its ARM resource id. Every failure is a CloudProviderError.
 */
export class AzureVirtualMachines implements VmProviderClient {
  private readonly agent: Agent;
  private arm: Promise<Arm> | null = null;
  private readonly subscriptionId: string;
  private readonly tenantId: string;

  constructor(
    private readonly credential: AzureCredential,
    private readonly location: string | null,
    private readonly opts: AzureOptions,
  ) {
    this.subscriptionId = credential.subscription_id;
    this.tenantId = credential.tenant_id;
    // One agent for the token and the ARM calls: it carries the CA, and close() ends its connections.
    this.agent = new Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) });
  }

  /** The ARM clients, made on the first call (with the SDKs, see loadSdks). */
  private connect(): Promise<Arm> {
    return (this.arm ??= loadSdks().then(([{ ComputeManagementClient }, { NetworkManagementClient }, { ClientSecretCredential }]) => {
      const { credential, opts } = this;
      const endpoint = (opts.endpoint || PUBLIC_ARM).replace(/\/+$/, '');
      // The reconciler retries on its own schedule: a refused key must answer at once.
      const common = { agent: this.agent, retryOptions: { maxRetries: 0 } };
      const identity = new ClientSecretCredential(credential.tenant_id, credential.client_id, credential.client_secret, {
        ...common,
        ...(opts.authorityHost ? { authorityHost: opts.authorityHost } : {}),
        // Instance discovery asks login.microsoftonline.com about the authority: unreachable from a private cloud, and not ours to ask.
        disableInstanceDiscovery: true,
      });
      // The token audience is Resource Manager at this endpoint (https://management.azure.com/.default for Azure's).
      const scopes = [`${endpoint}/.default`];
      return {
        compute: new ComputeManagementClient(identity, this.subscriptionId, { ...common, endpoint, credentials: { scopes } }),
        network: new NetworkManagementClient(identity, this.subscriptionId, { ...common, endpoint, credentialScopes: scopes }),
      };
    }));
  }

  private get abortSignal(): AbortSignal {
    return AbortSignal.timeout(this.opts.timeoutMs);
  }

  /**
   * One SDK call within the timeout, its errors mapped; `notFound` answers
   * ARM's 404 instead. The abort signal ends ARM requests, but MSAL's
   * requests to the authority do not take it, so a timer bounds the whole
   * call (close() ends what is left of it).
   */
  private async call<T>(fn: (arm: Arm) => Promise<T>, notFound?: () => T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CloudProviderError('azure', 'Unreachable', `no answer within ${this.opts.timeoutMs} ms`, 'unreachable')), this.opts.timeoutMs);
    });
    try {
      return await Promise.race([this.connect().then(fn), expired]);
    } catch (err) {
      if (notFound && isNotFound(err)) return notFound();
      throw await this.error(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private async error(err: unknown): Promise<CloudProviderError> {
    const e = azureError(err);
    if (e.code !== 'endpoints_resolution_error') return e;
    return authorityRefusal(e, this.opts.authorityHost || PUBLIC_AUTHORITY, this.tenantId, this.agent, this.opts.timeoutMs);
  }

  /** A VM id of this client's subscription; another is refused (a credential manages its own subscription's VMs). */
  private ref(instanceId: string): VmRef {
    const ref = parseResourceId(instanceId, 'Microsoft.Compute/virtualMachines');
    if (!ref || ref.subscriptionId.toLowerCase() !== this.subscriptionId.toLowerCase()) {
      throw new CloudProviderError('azure', 'InvalidResourceId', `'${instanceId}' is not a virtual machine of subscription ${this.subscriptionId}`, 'refused');
    }
    return ref;
  }

  /** The token request, then one VM list page of the subscription: proves the secret and the subscription before the credential is stored. */
  async validate(): Promise<void> {
    await this.call(async ({ compute }) => {
      const pages = compute.virtualMachines.listAll({ abortSignal: this.abortSignal }).byPage();
      await pages.next();
    });
  }

  /** The OpenSSH public key of an SSH public key resource (Microsoft.Compute/sshPublicKeys) in the hub's resource group: Azure's key pair. */
  private async sshKey(name: string): Promise<string> {
    const key = await this.call(({ compute }) => compute.sshPublicKeys.get(this.opts.resourceGroup, name, { abortSignal: this.abortSignal }));
    if (!key.publicKey) throw new CloudProviderError('azure', 'InvalidParameter', `SSH public key resource '${name}' has no public key`, 'refused');
    return key.publicKey;
  }

  /**
   * virtualMachines.createOrUpdate of the VM named after the client token:
   * a retry PUTs the same VM again, which ARM answers as an update, so
   * nothing starts twice. Answers once ARM accepted the request; the
   * reconciler follows the deployment with `describe`.
   */
  async launch(req: LaunchRequest): Promise<InstanceState> {
    if (!this.location) throw new Error("an Azure VM call needs the VM's location");
    const location = this.location;
    const image = imageReference(req.imageId);
    const name = vmName(req.clientToken);
    const rg = this.opts.resourceGroup;
    const publicKey = req.keyPair ? await this.sshKey(req.keyPair) : null;
    const parameters: VirtualMachine = {
      location,
      tags: { Name: req.name, 'kcloud-vm': req.clientToken },
      hardwareProfile: { vmSize: req.instanceType },
      storageProfile: { imageReference: image, osDisk: { name: `${name}-osdisk`, createOption: 'FromImage', deleteOption: 'Delete' } },
      // Without a key ARM refuses the VM (a Linux VM needs SSH keys or a password, and the hub sets no password).
      osProfile: {
        computerName: name,
        adminUsername: ADMIN_USER,
        linuxConfiguration: { disablePasswordAuthentication: true, ...(publicKey ? { ssh: { publicKeys: [{ path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, keyData: publicKey }] } } : {}) },
      },
      networkProfile: {
        networkApiVersion: NETWORK_API_VERSION,
        networkInterfaceConfigurations: [
          {
            name: `${name}-nic`,
            primary: true,
            deleteOption: 'Delete',
            ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetId(this.subscriptionId, rg, location) }, publicIPAddressConfiguration: { name: `${name}-ip`, deleteOption: 'Delete' } }],
          },
        ],
      },
    };
    await this.call(({ compute }) => compute.virtualMachines.createOrUpdate(rg, name, parameters, { abortSignal: this.abortSignal }).submitted());
    return { instanceId: vmResourceId({ subscriptionId: this.subscriptionId, resourceGroup: rg, name }), status: 'pending', reason: null, publicIp: null, privateIp: null, zone: null };
  }

  /** virtualMachines.get with the instance view; a running VM's addresses from its NIC and public IP. Null when ARM no longer knows it. */
  async describe(instanceId: string): Promise<InstanceState | null> {
    const { resourceGroup, name } = this.ref(instanceId);
    const vm = await this.call<VirtualMachine | null>(
      ({ compute }) => compute.virtualMachines.get(resourceGroup, name, { expand: 'instanceView', abortSignal: this.abortSignal }),
      () => null,
    );
    if (!vm) return null;
    const status = statusOf(vm);
    const ips = status.status === 'running' ? await this.addresses(vm) : { publicIp: null, privateIp: null };
    return { instanceId, ...status, ...ips, zone: vm.zones?.[0] ?? null, instanceType: vm.hardwareProfile?.vmSize ?? null, imageId: imageUrn(vm.storageProfile?.imageReference) };
  }

  /** The primary NIC's private address and its public IP's address (a NIC or IP already gone is no address). */
  private async addresses(vm: VirtualMachine): Promise<Pick<InstanceState, 'publicIp' | 'privateIp'>> {
    const none = { publicIp: null, privateIp: null };
    const nics = vm.networkProfile?.networkInterfaces ?? [];
    const nicRef = parseResourceId((nics.find((n) => n.primary) ?? nics[0])?.id ?? '', 'Microsoft.Network/networkInterfaces');
    if (!nicRef) return none;
    return this.call(async ({ network }) => {
      const nic = await network.networkInterfaces.get(nicRef.resourceGroup, nicRef.name, { abortSignal: this.abortSignal });
      const ipConf = nic.ipConfigurations?.find((c) => c.primary) ?? nic.ipConfigurations?.[0];
      const pipRef = parseResourceId(ipConf?.publicIPAddress?.id ?? '', 'Microsoft.Network/publicIPAddresses');
      const pip = pipRef ? await network.publicIPAddresses.get(pipRef.resourceGroup, pipRef.name, { abortSignal: this.abortSignal }) : null;
      return { privateIp: ipConf?.privateIPAddress ?? null, publicIp: pip?.ipAddress ?? null };
    }, () => none);
  }

  /** virtualMachines.delete (the NIC, public IP and OS disk go with it: deleteOption Delete); a VM ARM does not know is already what a delete wants. */
  async terminate(instanceId: string): Promise<void> {
    const { resourceGroup, name } = this.ref(instanceId);
    await this.call(
      ({ compute }) => compute.virtualMachines.delete(resourceGroup, name, { abortSignal: this.abortSignal }).submitted(),
      () => undefined,
    );
  }

  close(): void {
    this.agent.destroy();
  }
}
