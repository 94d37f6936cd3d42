import { createHash } from 'node:crypto';
import type { SeriesSource } from '../../../shared/query/types.js';
import type { CostUpdatedEvent, HubBus } from '../../bus.js';
import type { ExportStoreNote } from '../../export/export-stores.js';
import type { RemoteReader } from '../../remote-read/remote-read.js';
import { awsDailyCosts, type TagFilter } from './aws/cost-explorer.js';
import { azureDailyCosts } from './azure/cost-management.js';
import type { AzureCredential, AzureOptions } from './azure/virtual-machines.js';
import { CostCache, type ProviderCosts } from './cost-cache.js';
import type { CloudCredential, CloudCredentialStore, Viewer } from './credential-store.js';
import type { AwsCredential } from './credential-data.js';
import type { CostItem, CostProvider, DateRange } from './cost-analysis.js';
import { gceEstimatedCosts } from './gcp/estimated-cost.js';
import type { PodLookup } from '../kubernetes/pod-labels.js';
import { clusterCosts, fleetEnergy, fleetGpuHours, gpuHourCostItems, namespaceCosts, namespaceEnergy, onpremCostItems, onpremStores } from './onprem-cost.js';
import { NotImplementedError } from './provider-error.js';
import type { CloudVm, CloudVmStore } from './vm-store.js';

export interface CloudCostsOptions {
  credentials: CloudCredentialStore;
  vms: CloudVmStore;
  bus: HubBus;
  source: SeriesSource;
  /** storage.remoteRead's reader: the on-prem cost reads the remote store as the exports do (docs/scale-out.md "Remote read"); null without one. */
  remoteRead: RemoteReader | null;
  /** `workspaceTag`: the cost allocation tag a workspace's AWS cost is filtered by; empty: none. */
  aws: { endpoint: string; workspaceTag: string };
  gcp: { prices: Record<string, number>; currency: string };
  azure: Omit<AzureOptions, 'resourceGroup'>;
  cache: { ttlMs: number; maxEntries: number };
  timeoutMs: number;
  onprem: { electricityPrice: number; gpuHourCost: number; currency: string };
  /** The hub's pod directory (a pod's namespace by its UID), when kubernetes.clusters are watched. */
  pods: PodLookup | null;
}

const PAGE = 500;
/** Providers whose costs are billed answers of the provider, cached per query. */
type BilledProvider = CostUpdatedEvent['provider'];
/** Every credential of one provider, for the workspaces that share an account. */
const ALL: Viewer = { userId: 0, admin: true };
const sum = (items: readonly CostItem[]) => items.reduce((a, i) => a + i.cost, 0);

/** Which account a credential's data reaches (AWS: the key and the role it assumes; Azure: the tenant, principal and subscription), as a digest: cache keys hold no key material. */
function account(provider: BilledProvider, data: unknown): string {
  const d = data as Record<string, string | undefined>;
  const parts = provider === 'aws' ? [d.access_key, d.role_arn ?? ''] : [d.tenant_id, d.client_id, d.subscription_id];
  return createHash('sha256').update(JSON.stringify([provider, ...parts])).digest('hex');
}

/** Costs in two currencies cannot be added; the caller filters by provider then. */
export class MixedCurrencyError extends Error {
  override name = 'MixedCurrencyError';
}

/**
 * Cost per provider, day and service: AWS from Cost Explorer and Azure
 * from Cost Management with each credential the caller may use (one query
 * per account), cached per query (cost-cache.ts); the on-prem fleet from
 * its measured energy x the configured price, GCP estimated from the hub's
 * GCE VMs x the configured list prices (`clouds.gcp.prices`). A cached
 * answer refreshed with another total is a `cost-updated` bus event for
 * every workspace that has a credential of that account.
 */
export class CloudCosts {
  private readonly cache: CostCache;

  constructor(private readonly o: CloudCostsOptions) {
    this.cache = new CostCache(o.cache);
  }

  get onpremConfigured(): boolean {
    return this.o.onprem.electricityPrice > 0 || this.o.onprem.gpuHourCost > 0;
  }

  /** GCP's billing export is out of reach: without a price table there is no GCP figure to give. */
  private get gcpPriced(): boolean {
    return Object.keys(this.o.gcp.prices).length > 0;
  }

  /** The costs over the range; `stores`: which stores the on-prem part read (absent when it was not read). */
  async items(who: Viewer, opts: { providers: readonly CostProvider[] | null; workspaceId: string | null; range: DateRange; now: number }): Promise<{ items: CostItem[]; currency: string; stores?: ExportStoreNote }> {
    const wants = (p: CostProvider) => opts.providers === null || opts.providers.includes(p);
    if (opts.providers?.includes('gcp') && !this.gcpPriced) throw new NotImplementedError('cost analysis for provider gcp needs clouds.gcp.prices (machine type -> hourly list price) in the hub configuration');
    if (opts.providers?.includes('onprem') && !this.onpremConfigured) throw new NotImplementedError('cost analysis for provider onprem needs clouds.onprem.electricityPrice or clouds.onprem.gpuHourCost in the hub configuration');
    const items: CostItem[] = [];
    const currencies = new Set<string>();
    let stores: ExportStoreNote | undefined;
    for (const provider of ['aws', 'azure'] as const) {
      if (!wants(provider)) continue;
      const seen = new Set<string>();
      for (const c of this.credentialsOf(who, provider)) {
        if (!c.isActive || (opts.workspaceId !== null && c.workspaceId !== opts.workspaceId)) continue;
        const data = this.o.credentials.data(c.id);
        const acct = account(provider, data);
        // Two credentials of one account are counted once.
        if (seen.has(acct)) continue;
        seen.add(acct);
        // With a workspace tag, a workspace's AWS cost is that of its tagged resources, not its accounts' whole cost.
        const tag = provider === 'aws' && this.o.aws.workspaceTag && opts.workspaceId !== null ? { key: this.o.aws.workspaceTag, value: opts.workspaceId } : null;
        const got = await this.billed(provider, acct, data, opts.range, tag);
        items.push(...got.items);
        if (got.currency) currencies.add(got.currency);
      }
    }
    if (wants('gcp') && this.gcpPriced) {
      const vms = this.gcpVms(who, opts.workspaceId);
      if (vms.length > 0) {
        items.push(...gceEstimatedCosts(vms, this.o.gcp.prices, opts.range, opts.now));
        currencies.add(this.o.gcp.currency);
      }
    }
    // The fleet is the hub's, not a workspace's: counted when no workspace is asked for.
    if (wants('onprem') && this.onpremConfigured && opts.workspaceId === null) {
      const input = this.stores(opts.range, opts.now);
      if (this.o.onprem.electricityPrice > 0) items.push(...onpremCostItems(await fleetEnergy(input, opts.range, opts.now), this.o.onprem.electricityPrice));
      if (this.o.onprem.gpuHourCost > 0) items.push(...gpuHourCostItems(await fleetGpuHours(input, opts.range, opts.now), this.o.onprem.gpuHourCost));
      currencies.add(this.o.onprem.currency);
      stores = input.note();
    }
    if (currencies.size > 1) throw new MixedCurrencyError(`costs are in ${[...currencies].join(' and ')}; filter by provider`);
    return { items, currency: [...currencies][0] ?? this.o.onprem.currency, ...(stores ? { stores } : {}) };
  }

  private credentialsOf(who: Viewer, provider: BilledProvider): CloudCredential[] {
    const all: CloudCredential[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { credentials } = this.o.credentials.list(who, { providers: [provider], limit: PAGE, offset });
      all.push(...credentials);
      if (credentials.length < PAGE) return all;
    }
  }

  /** One account's billed costs over the range (of one workspace's tagged resources, with a tag filter), from the cache or the provider. */
  private billed(provider: BilledProvider, acct: string, data: unknown, range: DateRange, tag: TagFilter | null): Promise<ProviderCosts> {
    const fetch =
      provider === 'aws'
        ? () => awsDailyCosts(data as AwsCredential, range, { endpoint: this.o.aws.endpoint, timeoutMs: this.o.timeoutMs }, tag)
        : () => azureDailyCosts(data as AzureCredential, range, this.o.azure);
    return this.cache.get(`${provider}\0${acct}\0${range.start}\0${range.end}\0${tag?.value ?? ''}`, fetch, (before, after) => this.changed(provider, acct, range, tag, before, after));
  }

  /**
   * Tells the workspaces whose total over the range changed: the one a tag
   * filter asked for; without one, every workspace with an active credential
   * of the account (its whole cost is theirs), unless workspaces' AWS costs
   * are tagged (then an account's whole cost is no workspace's total).
   */
  private changed(provider: BilledProvider, acct: string, range: DateRange, tag: TagFilter | null, before: ProviderCosts, after: ProviderCosts): void {
    const workspaces = new Set<string>();
    if (tag) workspaces.add(tag.value);
    else if (provider === 'azure' || !this.o.aws.workspaceTag) {
      for (const c of this.credentialsOf(ALL, provider)) {
        if (c.isActive && c.workspaceId !== null && account(provider, this.o.credentials.data(c.id)) === acct) workspaces.add(c.workspaceId);
      }
    }
    const ts = Date.now();
    for (const workspaceId of workspaces) {
      this.o.bus.emit('cost-updated', { workspaceId, provider, start: range.start, end: range.end, total: sum(after.items), previous: sum(before.items), currency: after.currency ?? before.currency, ts });
    }
  }

  /** Every GCE VM of the caller's workspaces (or of the one asked for). */
  private gcpVms(who: Viewer, workspaceId: string | null): CloudVm[] {
    const all: CloudVm[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { vms } = this.o.vms.list(who, { workspaceIds: workspaceId === null ? null : [workspaceId], providers: ['gcp'], statuses: null, order: 'ORDER BY v.created_at, v.id', limit: PAGE, offset });
      all.push(...vms);
      if (vms.length < PAGE) return all;
    }
  }

  /** The stores one on-prem read of the range goes through: the local store, and the remote one as storage.remoteRead says. */
  private stores(range: DateRange, now: number) {
    return onpremStores(this.o.source, this.o.remoteRead, range, now);
  }

  /** The on-prem breakdown: energy and cost by cluster, GPU energy and its cost by cluster and Kubernetes namespace, and the stores they were read from. */
  async onpremSplit(range: DateRange, now: number) {
    const input = this.stores(range, now);
    const clusters = clusterCosts(await fleetEnergy(input, range, now), this.o.onprem.electricityPrice);
    const namespaces = namespaceCosts(await namespaceEnergy(input, range, now, this.o.pods), this.o.onprem.electricityPrice, this.o.onprem.gpuHourCost);
    return { clusters, namespaces, stores: input.note() };
  }
}
