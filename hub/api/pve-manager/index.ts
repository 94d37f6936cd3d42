import type { FastifyPluginAsync } from 'fastify';
import { PveManager } from '../../pve-manager/manager.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { pveAuthRoutes } from './auth.js';
import { pveBackupRoutes } from './backups.js';
import { pveManagerErrorHandler } from './errors.js';
import { pveMonitoringRoutes } from './monitoring.js';
import { pveNotificationRoutes } from './notifications.js';
import { pveServerRoutes } from './servers.js';
import { pveSystemRoutes } from './system.js';
import { pveTaskRoutes } from './tasks.js';
import { pveVaultRoutes } from './vault.js';

/** terraform-proxmox-manager-api (../shared/seeds/terraform-proxmox-manager-api.md), mounted at /api with its error body. */
export const pveManagerApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(pveManagerErrorHandler);
  const manager = new PveManager({ db: deps.db, registry: app.proxmox, secrets: app.credentials.secrets, config: deps.config.pveManager, notifications: deps.notifications, log: deps.log.child({ part: 'pve-manager' }) });
  // Tasks a stopped hub left running resume once the server is ready; a stopping hub leaves them as they are.
  app.addHook('onReady', async () => manager.resume());
  app.addHook('preClose', async () => manager.stop());
  for (const routes of [pveAuthRoutes, pveServerRoutes(manager), pveTaskRoutes(manager), pveBackupRoutes(manager), pveVaultRoutes, pveNotificationRoutes, pveMonitoringRoutes(manager), pveSystemRoutes]) await routes(app, deps);
};
