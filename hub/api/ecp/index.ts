import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration } from '../../../shared/duration.js';
import { readClusterCapacity } from '../../integrations/kubernetes/cluster-capacity.js';
import { ClusterDeployer } from '../../integrations/kubernetes/cluster-deployer.js';
import { DemoDeployer } from '../../integrations/kubernetes/demo-deployer.js';
import type { KubeCluster } from '../../integrations/kubernetes/kube-cluster.js';
import { keyring, SecretStore } from '../../identity/secrets.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { ecpErrorHandler, requestIdOf } from './errors.js';
import { debugDetailOf, debugOnlyInHeader, debugWanted, isDemoRequest, requireDemoMode } from './headers.js';
import { manifestRoutes } from './manifests.js';
import { monitoringRoutes } from './monitoring.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import { tenantEnergy } from './tenant-energy.js';
import { tenantLive } from './tenant-live.js';
import { TenantService } from './tenant-service.js';
import { tenantRoutes } from './tenants.js';

/**
 * A connection per `kubernetes.clusters` entry (a kubeconfig file or one in
 * the secrets box; one that would run a command stops the start), and the
 * cluster real tenants are applied to: `ecp.cluster`, else the first; null
 * when none is configured. `@kubernetes/client-node` (~27 MB of heap, ~60 MB
 * of RSS) is loaded only when a cluster is configured.
 */
async function kubeClustersFor(deps: ApiDeps): Promise<{ all: KubeCluster[]; tenants: KubeCluster | null }> {
  const { clusters } = deps.config.kubernetes;
  const wanted = deps.config.ecp.cluster;
  if (wanted && !clusters.some((c) => c.name === wanted)) throw new Error(`ecp.cluster: no cluster "${wanted}" in kubernetes.clusters`);
  if (clusters.length === 0) return { all: [], tenants: null };
  const [{ KubeCluster }, { loadClusterKubeconfig }] = await Promise.all([import('../../integrations/kubernetes/kube-cluster.js'), import('../../integrations/kubernetes/kubeconfig-source.js')]);
  const secrets = new SecretStore(deps.db, keyring(deps.config.dataDir));
  const all = clusters.map((c) => new KubeCluster(c.name, loadClusterKubeconfig(c, secrets)));
  return { all, tenants: (wanted ? all.find((c) => c.name === wanted) : all[0]) ?? null };
}

/**
 * `X-Debug: true` from an admin on any ECP route (docs/ecp.md, "Headers"):
 * a JSON object answer (errors too) gets `debug` — the request id, route,
 * time taken, mode, the tenants' cluster, and what the route added
 * (addDebug); a route's own `debug` fields (monitoring) are kept. Other
 * answers, and the manifest in either format (a document a client applies),
 * carry it in the `X-Debug-Info` header.
 */
function withDebug(request: FastifyRequest, reply: FastifyReply, payload: unknown, cluster: string | null): unknown {
  const debug = {
    request_id: requestIdOf(request),
    method: request.method,
    route: request.routeOptions.url ?? null,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    demo_mode: isDemoRequest(request),
    tenants_cluster: cluster,
    ...debugDetailOf(request),
  };
  if (!debugOnlyInHeader(request) && typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) {
    const body: unknown = JSON.parse(payload);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const own = (body as { debug?: Record<string, unknown> }).debug;
      return JSON.stringify({ ...body, debug: { ...debug, ...own } });
    }
  }
  reply.header('X-Debug-Info', JSON.stringify(debug));
  return payload;
}

/**
 * The ECP-AI orchestrator API (../shared/seeds/ecp-ai-orchestrator-api.md),
 * mounted at /api/v1 with its error body: every request needs
 * `X-Demo-Mode` and gets its `X-Request-ID` back. Demo tenants' deployments
 * run in simulation while the server runs and resume from hub.db after a
 * restart (docs/ecp.md).
 */
export const ecpApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  const config = deps.config.ecp;
  const stepMs = parseDuration(config.demoStepInterval);
  app.setErrorHandler(ecpErrorHandler);
  app.addHook('onRequest', requireDemoMode);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Request-ID', requestIdOf(request));
    return debugWanted(request) ? withDebug(request, reply, payload, cluster?.name ?? null) : payload;
  });
  const { all: clusters, tenants: cluster } = await kubeClustersFor(deps);
  const service = new TenantService(deps.db, config, cluster?.name ?? null);
  const capacityTimeoutMs = parseDuration(config.monitoring.capacityTimeout);
  // One live node list of the tenants' cluster per call (validate-manifest warnings, create's INSUFFICIENT_RESOURCES).
  const readCapacity = async () => (cluster ? readClusterCapacity(cluster, capacityTimeoutMs) : null);
  const watch = deps.config.kubernetes.watch;
  // An open real task's namespace is watched (Deployments, Events) with the bounds and backoff of the pod watches.
  const watchOptions = { max: watch.maxPods, retry: { minMs: parseDuration(watch.retryMin), maxMs: parseDuration(watch.retryMax) } };
  const applier = cluster ? new ClusterDeployer(deps.db, deps.bus, cluster, parseDuration(deps.config.kubernetes.stepInterval), watchOptions) : null;
  const liveOf = (tenant: Tenant) => tenantLive(tenant, cluster, applier, watchOptions.max, capacityTimeoutMs);
  tenantRoutes(app, service, config, stepMs, readCapacity, (tenant) => tenantEnergy(deps, tenant, Date.now()), liveOf);
  manifestRoutes(app, service, config, readCapacity);
  monitoringRoutes(app, deps, service, clusters);
  const deployer = new DemoDeployer(deps.db, deps.bus, stepMs);
  app.addHook('onReady', async () => {
    deployer.start();
    applier?.start();
  });
  app.addHook('onClose', async () => {
    deployer.stop();
    await applier?.stop();
  });
};
