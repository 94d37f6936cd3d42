import type { HubBus, VmStatusEvent } from '../../bus.js';
import type { Logger } from '../../../shared/log.js';
import type { CloudCredentialStore } from './credential-store.js';
import { CloudProviderError, NotImplementedError, type CloudProvider } from './provider-error.js';
import type { InstanceState, VmProviderClient } from './vm-provider.js';
import type { VmProviderFactories } from './vm-providers.js';
import type { CloudVm, CloudVmStore, NewVm, VmObservation } from './vm-store.js';

/** An import: a VM record for an instance the hub did not create; its facts come from the provider. */
export type ImportRequest = Omit<NewVm, 'instanceType' | 'imageId' | 'keyPair' | 'zone'> & { instanceId: string };

/** What an import did: recorded the instance, or why not (a VM already manages it; the provider does not know it; it is gone or going). */
export type ImportResult = { outcome: 'imported'; vm: CloudVm } | { outcome: 'managed'; vm: CloudVm } | { outcome: 'unknown' } | { outcome: 'terminated'; reason: string | null };

export interface CloudsOptions {
  credentials: CloudCredentialStore;
  vms: CloudVmStore;
  bus: HubBus;
  log: Logger;
  /** The providers whose VMs this hub manages; any other is refused as not implemented. */
  providers: VmProviderFactories;
}

const notImplemented = (provider: CloudProvider, what: string, providers: VmProviderFactories) =>
  new NotImplementedError(`${what} for provider ${provider}: not implemented in this hub (only ${Object.keys(providers).join(', ')} ${Object.keys(providers).length === 1 ? 'is' : 'are'})`);

/** A live instance's state as the VM record keeps it (`terminated` never gets here). */
function observation(s: InstanceState): VmObservation {
  return { status: s.status === 'terminated' ? 'failed' : s.status, statusReason: s.reason, publicIp: s.publicIp, privateIp: s.privateIp, zone: s.zone };
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

  private factory(provider: CloudProvider) {
    const make = this.o.providers[provider];
    if (!make) throw notImplemented(provider, 'VMs', this.o.providers);
    return make;
  }

  /** A client for one call, closed after it. */
  private async withClient<T>(vm: Pick<CloudVm, 'provider' | 'credentialId' | 'region'>, fn: (c: VmProviderClient) => Promise<T>): Promise<T> {
    const c = this.factory(vm.provider)(this.o.credentials.data(vm.credentialId), vm.region);
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  }

  /** Asks the provider whether the credential works; throws CloudProviderError with its answer, or NotImplementedError. */
  async validateCredential(provider: CloudProvider, data: unknown): Promise<void> {
    const make = this.o.providers[provider];
    if (!make) throw notImplemented(provider, 'credential validation', this.o.providers);
    const c = make(data);
    try {
      await c.validate();
    } finally {
      c.close();
    }
  }

  private emit(vm: Pick<CloudVm, 'id' | 'name' | 'workspaceId'>, status: VmStatusEvent['status'], previous: string | null): void {
    if (status === previous) return;
    this.o.bus.emit('vm-status-changed', { vmId: vm.id, name: vm.name, workspaceId: vm.workspaceId, status, previous, ts: Date.now() });
  }

  /** Throws NotImplementedError for a provider whose VMs this hub does not manage. */
  assertVmProvider(provider: CloudProvider): void {
    this.factory(provider);
  }

  /**
   * Records the VM, then launches it with the VM's id as the provider's
   * client token (a retry launches nothing twice). A refusal removes the
   * record and is thrown; an unreachable provider leaves it pending for the
   * reconciler. A repeated client request id returns the first VM.
   */
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

  /**
   * Records an instance the hub did not create, with what the provider's
   * describe says of it (status, addresses, zone, type, image), after which
   * the reconciler follows it like any other VM. One VM per instance: a
   * second import, in any workspace, answers the VM that manages it.
   */
  async importVm(req: ImportRequest): Promise<ImportResult> {
    this.assertVmProvider(req.provider);
    const managed = this.o.vms.managing(req);
    if (managed) return { outcome: 'managed', vm: managed };
    const state = await this.withClient(req, (c) => c.describe(req.instanceId));
    if (!state) return { outcome: 'unknown' };
    // One being terminated would only be followed until it is gone.
    if (state.status === 'terminated' || state.status === 'terminating') return { outcome: 'terminated', reason: state.reason };
    // The column is required; a provider that does not say (GCE for the image) leaves it empty.
    const facts = { instanceId: state.instanceId, instanceType: state.instanceType ?? '', imageId: state.imageId ?? '', keyPair: null };
    const { vm, created } = this.o.vms.insertImported({ ...req, ...facts, ...observation(state) });
    if (!created) return { outcome: 'managed', vm };
    this.emit(vm, vm.status, null);
    return { outcome: 'imported', vm };
  }

  private async launch(vm: CloudVm): Promise<void> {
    const state = await this.withClient(vm, (c) => c.launch({ imageId: vm.imageId, instanceType: vm.instanceType, keyPair: vm.keyPair, name: vm.name, clientToken: vm.id, workspaceId: vm.workspaceId }));
    const seen = observation(state);
    this.o.vms.setInstance(vm.id, state.instanceId, seen);
    this.emit(vm, seen.status, vm.status);
  }

  /** Terminates the instance (a refusal is thrown) and marks the VM terminating; the reconciler removes it once the provider says it is gone. */
  async deleteVm(vm: CloudVm): Promise<void> {
    this.assertVmProvider(vm.provider);
    if (vm.instanceId) await this.withClient(vm, (c) => c.terminate(vm.instanceId!));
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
    const deleting = vm.status === 'terminating';
    const state = await this.withClient(vm, (c) => c.describe(vm.instanceId!, deleting));
    if (!state || state.status === 'terminated') {
      if (deleting) return this.gone(vm);
      this.o.vms.setStatus(vm.id, 'failed', state?.reason ?? 'the provider no longer knows the instance');
      return this.emit(vm, 'failed', vm.status);
    }
    const seen = observation(state);
    if (deleting) {
      // A VM being deleted stays terminating until the provider says it is gone, or that its delete failed: then it is what the provider sees, saying why.
      if (!state.deleteFailed) {
        if (seen.status !== 'terminating') return;
      } else seen.statusReason = `delete failed: ${state.deleteFailed}`;
    }
    this.o.vms.observe(vm.id, seen);
    this.emit(vm, seen.status, vm.status);
  }

  /** One pass over every VM in flight; a provider that fails one VM does not stop the others. */
  async reconcile(): Promise<void> {
    for (const { id } of this.o.vms.inFlight()) {
      // Read again: the create or delete call may have changed it since the list was taken.
      const vm = this.o.vms.get(id);
      // A VM left unlaunched by a stopped hub is launched again with the same client token; one being launched now is not.
      if (!vm || !this.o.providers[vm.provider] || this.launching.has(vm.id)) continue;
      try {
        await this.follow(vm);
      } catch (err) {
        this.o.log.warn({ vm: vm.id, err: (err as Error).message }, 'cannot follow a VM at its provider; retrying next pass');
      }
    }
  }
}
