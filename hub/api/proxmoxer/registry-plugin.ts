import type { FastifyInstance } from 'fastify';
import type { SecretStore } from '../../identity/secrets.js';
import { ProxmoxRegistry } from '../../integrations/proxmox/registry.js';
import type { ApiDeps } from '../deps.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The registered Proxmox clusters (the registry routes, the merged /clusters list, the Proxmox server manager). */
    proxmox: ProxmoxRegistry;
  }
}

/** Makes the hub's one ProxmoxRegistry, visible to every area; its health loop runs while the server does. */
export function attachProxmoxRegistry(app: FastifyInstance, deps: Pick<ApiDeps, 'db' | 'bus' | 'config' | 'log'>, secrets: SecretStore): ProxmoxRegistry {
  const registry = new ProxmoxRegistry({ db: deps.db, secrets, bus: deps.bus, config: deps.config.proxmox, log: deps.log.child({ part: 'proxmox' }) });
  app.decorate('proxmox', registry);
  app.addHook('onReady', async () => registry.start());
  app.addHook('onClose', async () => registry.stop());
  return registry;
}
