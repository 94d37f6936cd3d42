import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { registryRoutes } from './clusters.js';
import { proxmoxerErrorHandler } from './errors.js';

/** proxmoxer-cluster-api (../shared/seeds/proxmoxer-cluster-api.md), mounted at /api/v1 with its `{code, message, details}` body. */
export const proxmoxerApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(proxmoxerErrorHandler);
  await registryRoutes(app, deps);
};
