import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { pveAuthRoutes } from './auth.js';
import { pveManagerErrorHandler } from './errors.js';

/** terraform-proxmox-manager-api (../shared/seeds/terraform-proxmox-manager-api.md), mounted at /api with its error body. */
export const pveManagerApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(pveManagerErrorHandler);
  for (const routes of [pveAuthRoutes]) await routes(app, deps);
};
