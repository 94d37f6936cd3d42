import type { SeriesSource } from '../../../shared/query/types.js';
import { awsDailyCosts } from './aws/cost-explorer.js';
import type { CloudCredentialStore, Viewer } from './credential-store.js';
import type { AwsCredential } from './credential-data.js';
import type { CostItem, CostProvider, DateRange } from './cost-analysis.js';
import { gceEstimatedCosts } from './gcp/estimated-cost.js';
import { clusterCosts, fleetEnergy, onpremCostItems } from './onprem-cost.js';
import { NotImplementedError } from './provider-error.js';
import type { CloudVm, CloudVmStore } from './vm-store.js';

export interface CloudCostsOptions {
  credentials: CloudCredentialStore;
  vms: CloudVmStore;
  source: SeriesSource;
  aws: { endpoint: string };
  gcp: { prices: Record<string, number>; currency: string };
  timeoutMs: number;
  onprem: { electricityPrice: number; currency: string };
}

const PAGE = 500;

/** Costs in two currencies cannot be added; the caller filters by provider then. */
export class MixedCurrencyError extends Error {
  override name = 'MixedCurrencyError';
}

/**
 * Cost per provider, day and service: AWS from Cost Explorer with each AWS
 * credential the caller may use (one query per access key), the on-prem
 * fleet from its measured energy x the configured price, GCP estimated from
 * the hub's GCE VMs x the configured list prices (`clouds.gcp.prices`).
 * Azure costs are not implemented and refused when asked for by name.
 */
export class CloudCosts {
  constructor(private readonly o: CloudCostsOptions) {}

  get onpremConfigured(): boolean {
    return this.o.onprem.electricityPrice > 0;
  }

  /** GCP's billing export is out of reach: without a price table there is no GCP figure to give. */
  private get gcpPriced(): boolean {
    return Object.keys(this.o.gcp.prices).length > 0;
  }

  async items(who: Viewer, opts: { providers: readonly CostProvider[] | null; workspaceId: string | null; range: DateRange; now: number }): Promise<{ items: CostItem[]; currency: string }> {
    const wants = (p: CostProvider) => opts.providers === null || opts.providers.includes(p);
    if (opts.providers?.includes('azure')) throw new NotImplementedError('cost analysis for provider azure: not implemented in this hub (aws, gcp and onprem are)');
    if (opts.providers?.includes('gcp') && !this.gcpPriced) throw new NotImplementedError('cost analysis for provider gcp needs clouds.gcp.prices (machine type -> hourly list price) in the hub configuration');
    if (opts.providers?.includes('onprem') && !this.onpremConfigured) throw new NotImplementedError('cost analysis for provider onprem needs clouds.onprem.electricityPrice in the hub configuration');
    const items: CostItem[] = [];
    const currencies = new Set<string>();
    if (wants('aws')) {
      const { credentials } = this.o.credentials.list(who, { providers: ['aws'], limit: 100, offset: 0 });
      const seen = new Set<string>();
      for (const c of credentials) {
        if (!c.isActive || (opts.workspaceId !== null && c.workspaceId !== opts.workspaceId)) continue;
        const data = this.o.credentials.data<AwsCredential>(c.id);
        // Two credentials with one access key are one account: counted once.
        if (seen.has(data.access_key)) continue;
        seen.add(data.access_key);
        const got = await awsDailyCosts(data, opts.range, { endpoint: this.o.aws.endpoint, timeoutMs: this.o.timeoutMs });
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
      items.push(...onpremCostItems(await fleetEnergy(this.o.source, opts.range, opts.now), this.o.onprem.electricityPrice));
      currencies.add(this.o.onprem.currency);
    }
    if (currencies.size > 1) throw new MixedCurrencyError(`costs are in ${[...currencies].join(' and ')}; filter by provider`);
    return { items, currency: [...currencies][0] ?? this.o.onprem.currency };
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

  /** The on-prem breakdown by cluster (energy and cost). */
  async onpremClusters(range: DateRange, now: number) {
    return clusterCosts(await fleetEnergy(this.o.source, range, now), this.o.onprem.electricityPrice);
  }
}
