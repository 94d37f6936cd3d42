/** Cost analysis periods of skyclust-api (`period=1d|7d|30d|90d`). */
export const COST_PERIODS = ['1d', '7d', '30d', '90d'] as const;
export type CostPeriod = (typeof COST_PERIODS)[number];

export const COST_PROVIDERS = ['aws', 'gcp', 'azure', 'onprem'] as const;
export type CostProvider = (typeof COST_PROVIDERS)[number];

/** Dates as YYYY-MM-DD (UTC); `end` is exclusive, as in Cost Explorer. */
export interface DateRange {
  start: string;
  end: string;
}

/** One provider's cost of one service (or on-prem node) on one day. */
export interface CostItem {
  provider: CostProvider;
  date: string;
  service: string;
  cost: number;
  /** The provider says the figure may still change (Cost Explorer's `Estimated`), or it is computed rather than billed. */
  estimated: boolean;
}

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last `period` days up to and including today (UTC). */
export function periodRange(period: CostPeriod, now: number): DateRange & { days: string[] } {
  const n = Number(period.slice(0, -1));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const days = Array.from({ length: n }, (_, i) => isoDate(today - (n - 1 - i) * DAY_MS));
  return { start: days[0]!, end: isoDate(today + DAY_MS), days };
}

/** Costs are answered rounded to cents. */
export const cents = (v: number) => Math.round(v * 100) / 100;
const percent = (part: number, total: number) => (total > 0 ? Math.round((part / total) * 1000) / 10 : 0);

/** GET /cost-analysis's data: total, breakdown per provider with percentages, daily trend (every day of the period, 0 when nothing). */
export function costSummary(items: readonly CostItem[], days: readonly string[]) {
  const total = items.reduce((a, i) => a + i.cost, 0);
  const byProvider = new Map<CostProvider, number>();
  const byDay = new Map<string, number>(days.map((d) => [d, 0]));
  for (const i of items) {
    byProvider.set(i.provider, (byProvider.get(i.provider) ?? 0) + i.cost);
    if (byDay.has(i.date)) byDay.set(i.date, byDay.get(i.date)! + i.cost);
  }
  return {
    total_cost: cents(total),
    breakdown: [...byProvider].sort((a, b) => b[1] - a[1]).map(([provider, cost]) => ({ provider, cost: cents(cost), percentage: percent(cost, total) })),
    trend: [...byDay].map(([date, cost]) => ({ date, cost: cents(cost) })),
    estimated: items.some((i) => i.estimated),
  };
}

/** GET /cost-analysis/breakdown's services: cost per service with its share. */
export function serviceBreakdown(items: readonly CostItem[]) {
  const total = items.reduce((a, i) => a + i.cost, 0);
  const byService = new Map<string, number>();
  for (const i of items) byService.set(i.service, (byService.get(i.service) ?? 0) + i.cost);
  return {
    total_cost: cents(total),
    services: [...byService].sort((a, b) => b[1] - a[1]).map(([service, cost]) => ({ service, cost: cents(cost), percentage: percent(cost, total) })),
  };
}
