import type { FastifyPluginAsync } from 'fastify';
import { PveManager } from '../../pve-manager/manager.js';
import { BoxSecrets, type SecretsBackend } from '../../pve-manager/vault.js';
import { VaultKv2 } from '../../pve-manager/vault-kv2.js';
import { PveMonitoring } from '../../pve-manager/monitoring-service.js';
import { parseDuration } from '../../../shared/duration.js';
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
  const v = deps.config.pveManager.vault;
  const vault: SecretsBackend = v.url ? new VaultKv2({ url: v.url, tokenFile: v.tokenFile, mount: v.mount, namespace: v.namespace, timeoutMs: parseDuration(v.timeout) }) : new BoxSecrets(app.credentials.secrets);
  const manager = new PveManager({ db: deps.db, registry: app.proxmox, vault, config: deps.config.pveManager, notifications: deps.notifications, log: deps.log.child({ part: 'pve-manager' }) });
  const monitoring = new PveMonitoring({ manager, fleet: deps.fleet, config: deps.config.pveManager.monitoring, log: deps.log.child({ part: 'pve-manager' }) });
  // Tasks a stopped hub left running resume once the server is ready; a stopping hub leaves them as they are.
  app.addHook('onReady', async () => manager.resume());
  app.addHook('preClose', async () => manager.stop());
  for (const routes of [pveAuthRoutes, pveServerRoutes(manager), pveTaskRoutes(manager), pveBackupRoutes(manager), pveVaultRoutes(vault), pveNotificationRoutes, pveMonitoringRoutes(monitoring), pveSystemRoutes({ vault, monitoring })]) await routes(app, deps);
};
