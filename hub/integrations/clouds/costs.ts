import type { SeriesSource } from '../../../shared/query/types.js';
import { awsDailyCosts } from './aws/cost-explorer.js';
import type { CloudCredentialStore, Viewer } from './credential-store.js';
import type { AwsCredential } from './credential-data.js';
import type { CostItem, CostProvider, DateRange } from './cost-analysis.js';
import { clusterCosts, fleetEnergy, onpremCostItems } from './onprem-cost.js';
import { NotImplementedError } from './provider-error.js';

export interface CloudCostsOptions {
  credentials: CloudCredentialStore;
  source: SeriesSource;
  aws: { endpoint: string };
  timeoutMs: number;
  onprem: { electricityPrice: number; currency: string };
}

/** Costs in two currencies cannot be added; the caller filters by provider then. */
export class MixedCurrencyError extends Error {
  override name = 'MixedCurrencyError';
}

/**
 * Cost per provider, day and service: AWS from Cost Explorer with each AWS
 * credential the caller may use (one query per access key), the on-prem
 * fleet from its measured energy x the configured price. GCP and Azure
 * costs are not implemented and refused when asked for by name.
 */
export class CloudCosts {
  constructor(private readonly o: CloudCostsOptions) {}

  get onpremConfigured(): boolean {
    return this.o.onprem.electricityPrice > 0;
  }

  async items(who: Viewer, opts: { providers: readonly CostProvider[] | null; workspaceId: string | null; range: DateRange; now: number }): Promise<{ items: CostItem[]; currency: string }> {
    const wants = (p: CostProvider) => opts.providers === null || opts.providers.includes(p);
    for (const p of ['gcp', 'azure'] as const) if (opts.providers?.includes(p)) throw new NotImplementedError(`cost analysis for provider ${p}: not implemented in this hub (aws and onprem are)`);
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
    // The fleet is the hub's, not a workspace's: counted when no workspace is asked for.
    if (wants('onprem') && this.onpremConfigured && opts.workspaceId === null) {
      items.push(...onpremCostItems(await fleetEnergy(this.o.source, opts.range, opts.now), this.o.onprem.electricityPrice));
      currencies.add(this.o.onprem.currency);
    }
    if (currencies.size > 1) throw new MixedCurrencyError(`costs are in ${[...currencies].join(' and ')}; filter by provider`);
    return { items, currency: [...currencies][0] ?? this.o.onprem.currency };
  }

  /** The on-prem breakdown by cluster (energy and cost). */
  async onpremClusters(range: DateRange, now: number) {
    return clusterCosts(await fleetEnergy(this.o.source, range, now), this.o.onprem.electricityPrice);
  }
}
