import { energyCostOf, type EnergyCost } from '../../integrations/kubernetes/energy-cost.js';
import { HOURS_PER_MONTH } from '../../integrations/kubernetes/sizing.js';
import { readTenantMetric } from '../../integrations/kubernetes/tenant-monitoring.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import type { ApiDeps } from '../deps.js';
import { tenantPods } from './tenant-pods.js';

/** The window a running tenant's energy is measured over: the last month, in 5-minute steps (the monitoring API's default). */
export const ENERGY_WINDOW_MS = HOURS_PER_MONTH * 3_600_000;
export const ENERGY_STEP_MS = 300_000;

/**
 * A tenant's measured GPU energy over the last month, from its namespace's
 * GPU process power series (the monitoring API's `gpu_power_watts`), priced
 * at `ecp.prices.electricityKWh`; null with the reason when there is none
 * (a demo tenant, or no GPU process of its pods was measured).
 */
export function tenantEnergy(deps: ApiDeps, tenant: Tenant, now: number): { energy: EnergyCost; reason: null } | { energy: null; reason: string } {
  if (tenant.isDemo) return { energy: null, reason: 'demo tenant: nothing of it runs on a cluster, so no energy is measured' };
  const start = Math.floor((now - ENERGY_WINDOW_MS) / ENERGY_STEP_MS) * ENERGY_STEP_MS;
  const read = readTenantMetric(deps.tsdb, tenant, 'gpu_power_watts', { start, end: now + 1, step: ENERGY_STEP_MS }, tenantPods(deps, tenant));
  const energy = energyCostOf(read.points, ENERGY_STEP_MS, deps.config.ecp.prices.electricityKWh);
  return energy ? { energy, reason: null } : { energy: null, reason: read.reason ?? 'no GPU power measured for the tenant in the last month' };
}
