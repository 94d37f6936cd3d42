import { HOURS_PER_MONTH } from './sizing.js';

/** A tenant's measured GPU energy over a window and what a month of it costs at the configured electricity price. */
export interface EnergyCost {
  /** Hours of the window with a measured sample (steps with data x step). */
  hoursMeasured: number;
  measuredKWh: number;
  /** Mean power while measured: measuredKWh / hoursMeasured. */
  averageWatts: number;
  /** A month at the mean power (HOURS_PER_MONTH hours). */
  monthlyKWh: number;
  /** monthlyKWh x the price per kWh (unrounded; the estimate rounds the total). */
  monthlyCost: number;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * From the tenant's GPU power per step (watts: its processes' mean power in
 * the step, summed over processes): the energy measured (each step's power x
 * its length), and a month at the mean measured power, priced per kWh.
 * Steps without samples are not counted (a tenant measured for a day is
 * extrapolated from that day, not diluted by the days before it existed).
 * Null when nothing was measured.
 */
export function energyCostOf(powerPerStep: readonly (readonly [number, number])[], stepMs: number, pricePerKWh: number): EnergyCost | null {
  if (powerPerStep.length === 0) return null;
  const stepHours = stepMs / 3_600_000;
  const wattHours = powerPerStep.reduce((a, [, w]) => a + w * stepHours, 0);
  const hoursMeasured = powerPerStep.length * stepHours;
  const averageWatts = wattHours / hoursMeasured;
  const monthlyKWh = (averageWatts * HOURS_PER_MONTH) / 1000;
  return {
    hoursMeasured: round(hoursMeasured, 3),
    measuredKWh: round(wattHours / 1000, 3),
    averageWatts: round(averageWatts, 3),
    monthlyKWh: round(monthlyKWh, 3),
    monthlyCost: monthlyKWh * pricePerKWh,
  };
}
