import { describe, expect, it } from 'vitest';
import { costItems } from '../../../../hub/integrations/clouds/aws/cost-explorer.js';
import { costSummary, periodRange, serviceBreakdown, type CostItem } from '../../../../hub/integrations/clouds/cost-analysis.js';

describe('cost analysis parts', () => {
  it('takes the last N UTC days including today, End exclusive', () => {
    const now = Date.parse('2024-03-01T23:59:59Z');
    expect(periodRange('1d', now)).toEqual({ start: '2024-03-01', end: '2024-03-02', days: ['2024-03-01'] });
    const week = periodRange('7d', now);
    // 2024 is a leap year: the week crosses 29 February.
    expect(week.days).toEqual(['2024-02-24', '2024-02-25', '2024-02-26', '2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(periodRange('90d', now).days).toHaveLength(90);
  });

  it('reads Cost Explorer pages: string amounts per service, a day without groups as its total, non-numbers dropped', () => {
    const { items, currency } = costItems([
      { TimePeriod: { Start: '2024-01-01', End: '2024-01-02' }, Groups: [{ Keys: ['EC2'], Metrics: { UnblendedCost: { Amount: '1.5', Unit: 'EUR' } } }, { Keys: ['S3'], Metrics: { UnblendedCost: { Amount: 'NaN', Unit: 'EUR' } } }], Estimated: true },
      { TimePeriod: { Start: '2024-01-02', End: '2024-01-03' }, Total: { UnblendedCost: { Amount: '0.25', Unit: 'EUR' } }, Groups: [] },
      { TimePeriod: undefined, Total: { UnblendedCost: { Amount: '99', Unit: 'EUR' } } },
    ]);
    expect(currency).toBe('EUR');
    expect(items).toEqual([
      { provider: 'aws', date: '2024-01-01', service: 'EC2', cost: 1.5, estimated: true },
      { provider: 'aws', date: '2024-01-02', service: 'Other', cost: 0.25, estimated: false },
    ]);
  });

  it('adds before rounding and gives every day of the period, 0 when nothing', () => {
    const items: CostItem[] = [
      { provider: 'aws', date: '2024-01-01', service: 'EC2', cost: 0.004, estimated: false },
      { provider: 'aws', date: '2024-01-01', service: 'EC2', cost: 0.004, estimated: false },
      { provider: 'onprem', date: '2024-01-02', service: 'r/n', cost: 0.002, estimated: true },
    ];
    const s = costSummary(items, ['2024-01-01', '2024-01-02', '2024-01-03']);
    expect(s.total_cost).toBe(0.01);
    expect(s.trend).toEqual([{ date: '2024-01-01', cost: 0.01 }, { date: '2024-01-02', cost: 0 }, { date: '2024-01-03', cost: 0 }]);
    expect(s.breakdown).toEqual([{ provider: 'aws', cost: 0.01, percentage: 80 }, { provider: 'onprem', cost: 0, percentage: 20 }]);
    expect(s.estimated).toBe(true);
    expect(serviceBreakdown([])).toEqual({ total_cost: 0, services: [] });
  });
});
