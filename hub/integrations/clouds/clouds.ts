import type { HubBus, VmStatusEvent } from '../../bus.js';
import type { Logger } from '../../../shared/log.js';
import { AwsEc2, type AwsInstanceState } from './aws/ec2.js';
import type { CloudCredentialStore } from './credential-store.js';
import type { AwsCredential } from './credential-data.js';
import { CloudProviderError, NotImplementedError, type CloudProvider } from './provider-error.js';
import type { CloudVm, CloudVmStore, NewVm, VmObservation, VmStatus } from './vm-store.js';

export interface CloudsOptions {
  credentials: CloudCredentialStore;
  vms: CloudVmStore;
  bus: HubBus;
  log: Logger;
  aws: { endpoint: string };
  timeoutMs: number;
}

const notImplemented = (provider: CloudProvider, what: string) => new NotImplementedError(`${what} for provider ${provider}: not implemented in this hub (only aws is)`);

/** EC2 state name -> VM status; `terminated` is handled apart (gone, or failed when nobody asked). */
const EC2_STATUS: Record<string, VmStatus> = { pending: 'pending', running: 'running', stopping: 'stopping', stopped: 'stopped', 'shutting-down': 'terminating' };

function observation(s: AwsInstanceState): VmObservation {
  return { status: EC2_STATUS[s.state] ?? 'pending', statusReason: s.reason, publicIp: s.publicIp, privateIp: s.privateIp, zone: s.zone };
}

/**
 * Cloud VMs through the providers' SDKs: create and delete call the
 * provider at once (its refusals go back to the caller); `reconcile()`
 * follows every VM that is starting or terminating until it is running,
 * failed or gone, and emits `vm-status-changed` at each transition. All
 * state is in hub.db, so a restarted hub goes on where it stopped.
 */
export class Clouds {
  /** VMs whose create call is in progress in this process: the reconciler does not launch them a second time. */
  private readonly launching = new Set<string>();

  constructor(private readonly o: CloudsOptions) {}

  private ec2(credentialId: string, region: string): AwsEc2 {
    return new AwsEc2(this.o.credentials.data<AwsCredential>(credentialId), region, { endpoint: this.o.aws.endpoint, timeoutMs: this.o.timeoutMs });
  }

  private async withEc2<T>(credentialId: string, region: string, fn: (c: AwsEc2) => Promise<T>): Promise<T> {
    const c = this.ec2(credentialId, region);
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  }

  /** Asks the provider whether the credential works; throws CloudProviderError with its answer, or NotImplementedError. */
  async validateCredential(provider: CloudProvider, data: unknown): Promise<void> {
    if (provider !== 'aws') throw notImplemented(provider, 'credential validation');
    const cred = data as AwsCredential;
    const c = new AwsEc2(cred, cred.region, { endpoint: this.o.aws.endpoint, timeoutMs: this.o.timeoutMs });
    try {
      await c.validate();
    } finally {
      c.close();
    }
  }

  private emit(vm: Pick<CloudVm, 'id' | 'workspaceId'>, status: VmStatusEvent['status'], previous: string | null): void {
    if (status === previous) return;
    this.o.bus.emit('vm-status-changed', { vmId: vm.id, workspaceId: vm.workspaceId, status, previous, ts: Date.now() });
  }

  /**
   * Records the VM, then launches it with the VM's id as the provider's
   * client token (a retry launches nothing twice). A refusal removes the
   * record and is thrown; an unreachable provider leaves it pending for the
   * reconciler. A repeated client request id returns the first VM.
   */
  /** Throws NotImplementedError for a provider whose VMs this hub does not manage. */
  assertVmProvider(provider: CloudProvider): void {
    if (provider !== 'aws') throw notImplemented(provider, 'VMs');
  }

  async createVm(vm: NewVm): Promise<{ vm: CloudVm; created: boolean }> {
    this.assertVmProvider(vm.provider);
    const { vm: stored, created } = this.o.vms.insertOrExisting(vm);
    if (!created) return { vm: stored, created };
    this.emit(stored, 'pending', null);
    this.launching.add(stored.id);
    try {
      await this.launch(stored);
    } catch (err) {
      if (err instanceof CloudProviderError && err.kind === 'refused') {
        this.o.vms.remove(stored.id);
        this.emit(stored, 'failed', 'pending');
        throw err;
      }
      this.o.log.warn({ vm: stored.id, err: (err as Error).message }, 'cannot reach the provider to launch a VM; the reconciler retries');
    } finally {
      this.launching.delete(stored.id);
    }
    return { vm: this.o.vms.get(stored.id)!, created };
  }

  private async launch(vm: CloudVm): Promise<void> {
    const state = await this.withEc2(vm.credentialId, vm.region, (c) => c.launch({ imageId: vm.imageId, instanceType: vm.instanceType, keyPair: vm.keyPair, name: vm.name, clientToken: vm.id }));
    const seen = observation(state);
    this.o.vms.setInstance(vm.id, state.instanceId, seen);
    this.emit(vm, seen.status, vm.status);
  }

  /** Terminates the instance (a refusal is thrown) and marks the VM terminating; the reconciler removes it once the provider says it is gone. */
  async deleteVm(vm: CloudVm): Promise<void> {
    this.assertVmProvider(vm.provider);
    if (vm.instanceId) await this.withEc2(vm.credentialId, vm.region, (c) => c.terminate(vm.instanceId!));
    this.o.vms.setStatus(vm.id, 'terminating', null);
    this.emit(vm, 'terminating', vm.status);
  }

  private gone(vm: CloudVm): void {
    this.o.vms.remove(vm.id);
    this.emit(vm, 'terminated', vm.status);
  }

  /** One look at the provider for one VM. */
  private async follow(vm: CloudVm): Promise<void> {
    if (!vm.instanceId) {
      if (vm.status === 'terminating') return this.gone(vm);
      try {
        await this.launch(vm);
      } catch (err) {
        if (!(err instanceof CloudProviderError && err.kind === 'refused')) throw err;
        this.o.vms.setStatus(vm.id, 'failed', `${err.code}: ${err.message}`);
        this.emit(vm, 'failed', vm.status);
      }
      return;
    }
    let state: AwsInstanceState | undefined;
    try {
      state = (await this.withEc2(vm.credentialId, vm.region, (c) => c.describe([vm.instanceId!]))).get(vm.instanceId);
    } catch (err) {
      if (!(err instanceof CloudProviderError && err.code === 'InvalidInstanceID.NotFound')) throw err;
    }
    if (!state || state.state === 'terminated') {
      if (vm.status === 'terminating') return this.gone(vm);
      this.o.vms.setStatus(vm.id, 'failed', state?.reason ?? 'the provider no longer knows the instance');
      return this.emit(vm, 'failed', vm.status);
    }
    const seen = observation(state);
    // A VM being deleted stays terminating until the provider says it is gone.
    if (vm.status === 'terminating' && seen.status !== 'terminating') return;
    this.o.vms.observe(vm.id, seen);
    this.emit(vm, seen.status, vm.status);
  }

  /** One pass over every VM in flight; a provider that fails one VM does not stop the others. */
  async reconcile(): Promise<void> {
    for (const { id } of this.o.vms.inFlight()) {
      // Read again: the create or delete call may have changed it since the list was taken.
      const vm = this.o.vms.get(id);
      // A VM left unlaunched by a stopped hub is launched again with the same client token; one being launched now is not.
      if (!vm || vm.provider !== 'aws' || this.launching.has(vm.id)) continue;
      try {
        await this.follow(vm);
      } catch (err) {
        this.o.log.warn({ vm: vm.id, err: (err as Error).message }, 'cannot follow a VM at its provider; retrying next pass');
      }
    }
  }
}
