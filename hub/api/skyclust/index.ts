import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { apiKeysRoutes } from './api-keys.js';
import { auditLogsRoutes } from './audit-logs.js';
import { authRoutes } from './auth.js';
import { costAnalysisRoutes } from './cost-analysis.js';
import { credentialsRoutes } from './credentials.js';
import { cloudServices } from '../../integrations/clouds/service.js';
import { skyclustErrorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import { notificationsRoutes } from './notifications.js';
import { usersRoutes } from './users.js';
import { vmsRoutes } from './vms.js';
import { workspacesRoutes } from './workspaces.js';
import { wsRoutes } from './ws.js';

/** The identity parts of skyclust-api (../shared/seeds/skyclust-api.md), mounted at /api/v1 with its envelope and error body. */
export const skyclustApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(skyclustErrorHandler);
  for (const routes of [authRoutes, apiKeysRoutes, usersRoutes, workspacesRoutes, notificationsRoutes, auditLogsRoutes, healthRoutes, wsRoutes]) {
    await routes(app, deps);
  }
  // Clouds (docs/clouds.md): the reconciler follows VMs while the server runs and resumes from hub.db after a restart.
  const clouds = cloudServices(deps, app.credentials.secrets);
  credentialsRoutes(app, clouds.credentials, clouds.clouds, deps.workspaces);
  vmsRoutes(app, clouds.vms, clouds.credentials, clouds.clouds, deps.workspaces);
  costAnalysisRoutes(app, clouds.costs, deps.workspaces);
  app.addHook('onReady', async () => clouds.reconciler.start());
  app.addHook('onClose', async () => clouds.reconciler.stop());
};
