import type { VmStatus } from './vm-store.js';

/**
 * What the hub keeps of a provider's instance (docs/clouds.md: the VM
 * record), in the hub's own status words: each provider maps its states
 * (EC2 state names, GCE instance status, Azure power and provisioning
 * states) onto these, and `terminated` means the instance is gone or going.
 */
export interface InstanceState {
  instanceId: string;
  status: VmStatus | 'terminated';
  reason: string | null;
  publicIp: string | null;
  privateIp: string | null;
  zone: string | null;
  /** What the instance was made as (EC2 instance type, GCE machine type, Azure VM size): an import records it; absent or null where the answer does not say. */
  instanceType?: string | null;
  /** The image it boots (AMI, Azure image URN); null where the provider's instance does not name it (GCE keeps it on the boot disk). */
  imageId?: string | null;
  /** Asked about an instance being deleted: the provider's delete of it ended in this error (`CODE: message`), and the instance stays. */
  deleteFailed?: string | null;
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  keyPair: string | null;
  name: string;
  /** The VM's id in the hub: each provider's idempotency key (EC2 ClientToken, GCE requestId, the Azure resource name), so a retried launch starts no second instance. */
  clientToken: string;
  /** The VM's workspace (EC2: the value of the `clouds.aws.workspaceTag` cost allocation tag, when configured). */
  workspaceId: string;
}

/**
 * One provider's VM calls for one credential and region, through the
 * provider's official SDK. Every failure is a CloudProviderError: `refused`
 * for the provider's no (wrong key, invalid image, quota), `unreachable`
 * when it could not be asked.
 */
export interface VmProviderClient {
  /** A call any valid credential may make: proves it before it is stored. */
  validate(): Promise<void>;
  launch(req: LaunchRequest): Promise<InstanceState>;
  /**
   * The instance as the provider sees it now; null when the provider no
   * longer knows it. `deleting`: the hub asked for its deletion, so a
   * provider whose delete runs as an operation says whether it failed.
   */
  describe(instanceId: string, deleting?: boolean): Promise<InstanceState | null>;
  terminate(instanceId: string): Promise<void>;
  close(): void;
}
