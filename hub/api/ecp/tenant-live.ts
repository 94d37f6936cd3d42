import type { ClusterDeployer } from '../../integrations/kubernetes/cluster-deployer.js';
import type { KubeCluster } from '../../integrations/kubernetes/kube-cluster.js';
import type { LiveNamespace } from '../../integrations/kubernetes/namespace-watch.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';

/** Where GET deployment-status read a real tenant's namespace from, or why it could not. */
export type TenantLive = { source: 'watch' | 'list'; cluster: string; live: LiveNamespace; reason: null } | { source: null; cluster: string; live: null; reason: string };

/**
 * A real tenant's Deployments and Events now: from the watch its open task
 * holds, else by one list of each (at most `max`, waiting at most
 * `timeoutMs`); a cluster that does not answer gives the reason. Null for a
 * demo tenant or without a cluster (nothing live to read).
 */
export async function tenantLive(tenant: Tenant, cluster: KubeCluster | null, deployer: ClusterDeployer | null, max: number, timeoutMs: number): Promise<TenantLive | null> {
  if (tenant.isDemo || !cluster) return null;
  const held = deployer?.live(tenant.namespace);
  if (held?.live) return { source: 'watch', cluster: cluster.name, live: held.live, reason: null };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { source: 'list', cluster: cluster.name, live: await Promise.race([cluster.listNamespace(tenant.namespace, max), timeout]), reason: null };
  } catch (err) {
    return { source: null, cluster: cluster.name, live: null, reason: `cluster ${cluster.name}: listing namespace ${tenant.namespace} failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
