import type { ResultByTime } from '@aws-sdk/client-cost-explorer';
import type { AwsCredential } from '../credential-data.js';
import type { CostItem, DateRange } from '../cost-analysis.js';
import type { AwsOptions } from './ec2.js';
import { awsIdentity } from './credentials.js';
import { awsError } from './errors.js';

/** Cost Explorer's one endpoint region. */
const CE_REGION = 'us-east-1';
const METRIC = 'UnblendedCost';
/** A 90-day daily query grouped by service is a few pages; more means something is wrong. */
const MAX_PAGES = 50;

/** The daily cost per service of one ResultsByTime page (amounts are strings; a day without groups counts its total as "Other"). */
export function costItems(results: readonly ResultByTime[]): { items: CostItem[]; currency: string | null } {
  const items: CostItem[] = [];
  let currency: string | null = null;
  for (const r of results) {
    const date = r.TimePeriod?.Start;
    if (!date) continue;
    const groups = r.Groups ?? [];
    if (groups.length === 0) {
      const total = r.Total?.[METRIC];
      if (total?.Amount !== undefined) {
        items.push({ provider: 'aws', date, service: 'Other', cost: Number(total.Amount), estimated: r.Estimated === true });
        currency ??= total.Unit ?? null;
      }
      continue;
    }
    for (const g of groups) {
      const m = g.Metrics?.[METRIC];
      if (m?.Amount === undefined) continue;
      items.push({ provider: 'aws', date, service: g.Keys?.[0] ?? 'Other', cost: Number(m.Amount), estimated: r.Estimated === true });
      currency ??= m.Unit ?? null;
    }
  }
  return { items: items.filter((i) => Number.isFinite(i.cost)), currency };
}

/** A cost allocation tag and the value asked for: only the cost of resources that carry it. */
export interface TagFilter {
  key: string;
  value: string;
}

/** GetCostAndUsage, daily, grouped by SERVICE, every page, filtered by a tag when given; End is exclusive as in Cost Explorer. */
export async function awsDailyCosts(credential: AwsCredential, range: DateRange, opts: AwsOptions, tag: TagFilter | null = null): Promise<{ items: CostItem[]; currency: string | null }> {
  // Imported on the first cost query, not with the hub (like the EC2 SDK, ec2.ts).
  const { CostExplorerClient, GetCostAndUsageCommand } = await import('@aws-sdk/client-cost-explorer');
  const client = new CostExplorerClient({
    region: CE_REGION,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    credentials: awsIdentity(credential, opts),
    maxAttempts: 1,
    requestHandler: { requestTimeout: opts.timeoutMs, connectionTimeout: opts.timeoutMs },
  });
  try {
    const results: ResultByTime[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await client.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: range.start, End: range.end },
          Granularity: 'DAILY',
          Metrics: [METRIC],
          GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
          ...(tag ? { Filter: { Tags: { Key: tag.key, Values: [tag.value], MatchOptions: ['EQUALS'] } } } : {}),
          ...(token ? { NextPageToken: token } : {}),
        }),
      );
      results.push(...(out.ResultsByTime ?? []));
      token = out.NextPageToken;
      if (!token) break;
    }
    return costItems(results);
  } catch (err) {
    throw awsError(err);
  } finally {
    client.destroy();
  }
}
