import { describe, expect, it } from 'vitest';
import { energyCostOf } from '../../../../hub/integrations/kubernetes/energy-cost.js';
import { monthlyCost } from '../../../../hub/integrations/kubernetes/sizing.js';
import { EcpConfigSchema } from '../../../../hub/integrations/kubernetes/ecp-config.js';
import { Value } from '@sinclair/typebox/value';

const FIVE_MIN = 300_000;

describe("a running tenant's measured GPU energy in its cost", () => {
  it('energy is each step\'s power x its length; a month is the mean measured power for 730 h, priced per kWh', () => {
    // Two 5-minute steps at 200 W and 100 W: 25 Wh over 10 minutes, 150 W on average.
    const got = energyCostOf([[0, 200], [FIVE_MIN, 100]], FIVE_MIN, 0.2)!;
    expect(got).toMatchObject({ hoursMeasured: 0.167, measuredKWh: 0.025, averageWatts: 150, monthlyKWh: 109.5 });
    expect(got.monthlyCost).toBeCloseTo(21.9, 10);
  });

  it('steps without samples do not dilute the mean; nothing measured is null, not zero', () => {
    const sparse = energyCostOf([[0, 300], [100 * FIVE_MIN, 300]], FIVE_MIN, 1)!;
    expect(sparse.averageWatts).toBe(300);
    expect(sparse.monthlyKWh).toBe(219);
    expect(energyCostOf([], FIVE_MIN, 1)).toBeNull();
    expect(energyCostOf([[0, 300]], FIVE_MIN, 0)!.monthlyCost).toBe(0);
  });

  it('the monthly estimate adds the energy before rounding; the default price is 0.15 per kWh', () => {
    const prices = Value.Default(EcpConfigSchema, {}) as { prices: Parameters<typeof monthlyCost>[2] };
    expect(prices.prices.electricityKWh).toBe(0.15);
    const s = { cpuMilli: 2000, memoryMi: 4096, gpu: 0, storageGi: 120 };
    // 2 cores x 0.02 + 4 GiB x 0.003 = 0.052/h x 730 = 37.96, + 120 GiB of 20/TB = 2.34: 40.30.
    expect(monthlyCost(s, null, prices.prices).text).toBe('$40/month');
    expect(monthlyCost(s, null, prices.prices, 21.9).text).toBe('$62/month');
  });
});
