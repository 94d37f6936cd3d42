import type { CostItem, DateRange } from '../cost-analysis.js';
import type { CloudVm } from '../vm-store.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The span a VM is billed for, as far as the hub knows: from its creation
 * to now, or to when it stopped; a failed VM never ran. (The hub keeps no
 * record of deleted VMs, so they drop out.)
 */
function billedSpan(vm: Pick<CloudVm, 'status' | 'createdAt' | 'updatedAt'>, now: number): [number, number] | null {
  if (vm.status === 'failed') return null;
  return [vm.createdAt, vm.status === 'stopped' ? vm.updatedAt : now];
}

/**
 * GCP's cost estimated from list prices (the billing export is out of
 * reach): each VM's hours in each UTC day of the range x its machine type's
 * hourly price, one item per day and machine type, all `estimated`. A
 * machine type missing from the price table counts nothing.
 */
export function gceEstimatedCosts(vms: readonly Pick<CloudVm, 'instanceType' | 'status' | 'createdAt' | 'updatedAt'>[], prices: Readonly<Record<string, number>>, range: DateRange, now: number): CostItem[] {
  const costs = new Map<string, CostItem>();
  const first = Date.parse(`${range.start}T00:00:00Z`);
  const end = Date.parse(`${range.end}T00:00:00Z`);
  for (const vm of vms) {
    const price = prices[vm.instanceType];
    const span = billedSpan(vm, now);
    if (price === undefined || !span) continue;
    for (let day = first; day < end; day += DAY_MS) {
      const hours = Math.max(0, Math.min(span[1], day + DAY_MS) - Math.max(span[0], day)) / HOUR_MS;
      if (hours === 0) continue;
      const date = new Date(day).toISOString().slice(0, 10);
      const service = `Compute Engine (${vm.instanceType})`;
      const key = `${date}/${service}`;
      const item = costs.get(key) ?? { provider: 'gcp', date, service, cost: 0, estimated: true };
      item.cost += hours * price;
      costs.set(key, item);
    }
  }
  return [...costs.values()];
}
