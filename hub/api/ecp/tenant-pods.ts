import { watchedPods, type WatchedPods } from '../../integrations/kubernetes/tenant-monitoring.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import type { ApiDeps } from '../deps.js';

/** The cluster real tenants run on: `ecp.cluster`, else the first of `kubernetes.clusters` (as hub/api/ecp/index.ts applies them). */
const tenantClusterOf = (deps: ApiDeps): string | null => deps.config.ecp.cluster || deps.config.kubernetes.clusters[0]?.name || null;

/** The pods the hub's pod watch knows in a real tenant's namespace now; null for demo tenants (they run nowhere) and without a watched cluster. */
export function tenantPods(deps: ApiDeps, tenant: Pick<Tenant, 'isDemo' | 'namespace'>): WatchedPods | null {
  const cluster = tenantClusterOf(deps);
  if (tenant.isDemo || cluster === null) return null;
  const watch = deps.kubernetes?.cluster(cluster);
  return watch ? watchedPods(cluster, watch.pods.facts.values(), tenant.namespace) : null;
}
