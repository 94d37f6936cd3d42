import type { FastifyPluginAsync } from 'fastify';
import { parseDuration } from '../../../shared/duration.js';
import { readClusterCapacity } from '../../integrations/kubernetes/cluster-capacity.js';
import { ClusterDeployer } from '../../integrations/kubernetes/cluster-deployer.js';
import { DemoDeployer } from '../../integrations/kubernetes/demo-deployer.js';
import { KubeCluster } from '../../integrations/kubernetes/kube-cluster.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { ecpErrorHandler, requestIdOf } from './errors.js';
import { requireDemoMode } from './headers.js';
import { manifestRoutes } from './manifests.js';
import { monitoringRoutes } from './monitoring.js';
import { tenantEnergy } from './tenant-energy.js';
import { TenantService } from './tenant-service.js';
import { tenantRoutes } from './tenants.js';

/** The cluster real tenants are applied to: `ecp.cluster`, else the first of `kubernetes.clusters`; null when none is configured. */
function kubeClusterFor(deps: ApiDeps): KubeCluster | null {
  const { clusters } = deps.config.kubernetes;
  const wanted = deps.config.ecp.cluster;
  const entry = wanted ? clusters.find((c) => c.name === wanted) : clusters[0];
  if (wanted && !entry) throw new Error(`ecp.cluster: no cluster "${wanted}" in kubernetes.clusters`);
  return entry ? new KubeCluster(entry.name, entry.kubeconfig) : null;
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
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-ID', requestIdOf(request));
  });
  const cluster = kubeClusterFor(deps);
  const service = new TenantService(deps.db, config, cluster?.name ?? null);
  const capacityTimeoutMs = parseDuration(config.monitoring.capacityTimeout);
  // One live node list of the tenants' cluster per call (validate-manifest warnings, create's INSUFFICIENT_RESOURCES).
  const readCapacity = async () => (cluster ? readClusterCapacity(cluster, capacityTimeoutMs) : null);
  tenantRoutes(app, service, config, stepMs, readCapacity, (tenant) => tenantEnergy(deps, tenant, Date.now()));
  manifestRoutes(app, service, config, readCapacity);
  monitoringRoutes(app, deps, service, deps.config.kubernetes.clusters.map((c) => (cluster && c.name === cluster.name ? cluster : new KubeCluster(c.name, c.kubeconfig))));
  const deployer = new DemoDeployer(deps.db, deps.bus, stepMs);
  const applier = cluster ? new ClusterDeployer(deps.db, deps.bus, cluster, parseDuration(deps.config.kubernetes.stepInterval)) : null;
  app.addHook('onReady', async () => {
    deployer.start();
    applier?.start();
  });
  app.addHook('onClose', async () => {
    deployer.stop();
    await applier?.stop();
  });
};
