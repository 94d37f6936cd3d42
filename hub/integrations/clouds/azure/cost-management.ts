import { Agent, request } from 'node:https';
import type { CostItem, DateRange } from '../cost-analysis.js';
import { CloudProviderError } from '../provider-error.js';
import { authorityRefusal, PUBLIC_AUTHORITY } from './authority.js';
import { azureError } from './errors.js';
import type { AzureCredential, AzureOptions } from './virtual-machines.js';

const PUBLIC_ARM = 'https://management.azure.com';
export const COST_API_VERSION = '2023-03-01';
/** A 90-day daily query grouped by service is a few pages; more means something is wrong. */
const MAX_PAGES = 50;
/** An answer page is a few hundred rows; a body beyond this is not one. */
const MAX_BODY = 16 * 1024 * 1024;

/** The Query API's answer (`QueryResult`): columns name each row's cells. */
export interface QueryResult {
  properties?: {
    nextLink?: string | null;
    columns?: { name?: string; type?: string }[];
    rows?: unknown[][];
  };
}

/** `UsageDate` of a daily query: a Number column, 20240131 for 2024-01-31. */
function usageDate(v: unknown): string | null {
  const m = typeof v === 'number' ? /^(\d{4})(\d{2})(\d{2})$/.exec(String(v)) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/**
 * The daily cost per service of one answer page: the columns `Cost`,
 * `UsageDate`, `ServiceName` and `Currency` are found by name (their order
 * is the service's); a row without a finite cost or a date is skipped; an
 * empty service name counts as "Other".
 */
export function azureCostItems(result: QueryResult): { items: CostItem[]; currency: string | null } {
  const columns = (result.properties?.columns ?? []).map((c) => (c.name ?? '').toLowerCase());
  const at = (name: string) => columns.indexOf(name.toLowerCase());
  const [cost, date, service, currencyAt] = [at('Cost'), at('UsageDate'), at('ServiceName'), at('Currency')];
  const items: CostItem[] = [];
  let currency: string | null = null;
  if (cost < 0 || date < 0) return { items, currency };
  for (const row of result.properties?.rows ?? []) {
    if (!Array.isArray(row)) continue;
    const value = Number(row[cost]);
    const day = usageDate(row[date]);
    if (!Number.isFinite(value) || !day) continue;
    const name = service >= 0 && typeof row[service] === 'string' && row[service] ? (row[service] as string) : 'Other';
    items.push({ provider: 'azure', date: day, service: name, cost: value, estimated: false });
    if (currencyAt >= 0 && typeof row[currencyAt] === 'string') currency ??= row[currencyAt] as string;
  }
  return { items, currency };
}

/** The query body: actual cost, summed per day and service over the range (`to` is the range's last day, inclusive). */
export function costQuery(range: DateRange) {
  const last = new Date(Date.parse(`${range.end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: `${range.start}T00:00:00+00:00`, to: `${last}T23:59:59+00:00` },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [{ type: 'Dimension', name: 'ServiceName' }],
    },
  };
}

/** One POST with the bearer token through the agent (its CA); the status and the parsed body, or a CloudProviderError when nothing answered. */
function post(url: URL, token: string, body: string, agent: Agent, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const unreachable = (why: string) => reject(new CloudProviderError('azure', 'Unreachable', `${url.origin}: ${why}`, 'unreachable'));
    const req = request(
      url,
      { method: 'POST', agent, signal: AbortSignal.timeout(timeoutMs), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) return req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: null });
          }
        });
        res.on('error', (err) => unreachable(err.message));
      },
    );
    req.on('error', (err) => unreachable(err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : err.message));
    req.end(body);
  });
}

/** Resource Manager's error answer (`{"error":{"code","message"}}`): a 429 or 5xx is the service not answering now, below that a refusal. */
function armFailure(status: number, body: unknown): CloudProviderError {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof e?.code === 'string' ? e.code : `HTTP ${status}`;
  const message = typeof e?.message === 'string' ? e.message : `Cost Management answered ${status}`;
  return new CloudProviderError('azure', code, message, status === 429 || status >= 500 ? 'unreachable' : 'refused');
}

/**
 * The subscription's daily actual cost per service from the Cost
 * Management Query API (`POST /subscriptions/{s}/providers/
 * Microsoft.CostManagement/query`, every page through `nextLink`), as the
 * credential's service principal. No SDK: `@azure/arm-costmanagement` has
 * only 1.0.0 betas; the token comes from `@azure/identity` as for the VMs,
 * with the same agent (the configured CA). A `nextLink` to another origin
 * than the endpoint is not followed: the bearer token goes nowhere else.
 */
export async function azureDailyCosts(credential: AzureCredential, range: DateRange, opts: Omit<AzureOptions, 'resourceGroup'>): Promise<{ items: CostItem[]; currency: string | null }> {
  const endpoint = (opts.endpoint || PUBLIC_ARM).replace(/\/+$/, '');
  const agent = new Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) });
  try {
    // Imported on the first cost query, not with the hub (like the VM SDKs, virtual-machines.ts).
    const { ClientSecretCredential } = await import('@azure/identity');
    const identity = new ClientSecretCredential(credential.tenant_id, credential.client_id, credential.client_secret, {
      agent,
      retryOptions: { maxRetries: 0 },
      ...(opts.authorityHost ? { authorityHost: opts.authorityHost } : {}),
      disableInstanceDiscovery: true,
    });
    let token: string;
    // MSAL's requests to the authority do not take the abort signal: a timer bounds the token request (the agent's end closes what is left).
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CloudProviderError('azure', 'Unreachable', `no token within ${opts.timeoutMs} ms`, 'unreachable')), opts.timeoutMs);
    });
    try {
      token = (await Promise.race([identity.getToken(`${endpoint}/.default`, { abortSignal: AbortSignal.timeout(opts.timeoutMs) }), expired])).token;
    } catch (err) {
      const e = azureError(err);
      if (e.code !== 'endpoints_resolution_error') throw e;
      throw await authorityRefusal(e, opts.authorityHost || PUBLIC_AUTHORITY, credential.tenant_id, agent, opts.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    const body = JSON.stringify(costQuery(range));
    const items: CostItem[] = [];
    let currency: string | null = null;
    let url: URL | null = new URL(`${endpoint}/subscriptions/${encodeURIComponent(credential.subscription_id)}/providers/Microsoft.CostManagement/query?api-version=${COST_API_VERSION}`);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const answer = await post(url, token, body, agent, opts.timeoutMs);
      if (answer.status !== 200) throw armFailure(answer.status, answer.body);
      const result = answer.body as QueryResult;
      const got = azureCostItems(result);
      items.push(...got.items);
      currency ??= got.currency;
      const next = result?.properties?.nextLink;
      url = next ? new URL(next, endpoint) : null;
      if (url && url.origin !== new URL(endpoint).origin) {
        throw new CloudProviderError('azure', 'InvalidNextLink', `Cost Management's nextLink leads to ${url.origin}, not ${new URL(endpoint).origin}`, 'unreachable');
      }
    }
    return { items, currency };
  } finally {
    agent.destroy();
  }
}
