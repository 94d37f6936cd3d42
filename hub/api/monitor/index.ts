import type { FastifyPluginAsync } from 'fastify';
import { parseDuration } from '../../../shared/duration.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { acceleratorsRoutes } from './accelerators.js';
import { clustersRoutes } from './clusters.js';
import { monitorErrorHandler } from './errors.js';
import { exportRoutes } from './export.js';
import { hardwareRoutes } from './hardware.js';
import { infrastructureRoutes } from './infrastructure.js';
import { powerRoutes } from './power.js';
import { queryRoutes } from './query.js';
import { registerResponseCache } from './response-cache.js';
import { streamsRoutes } from './streams.js';
import { systemRoutes } from './system.js';

/** kcloud-monitor-api (../shared/seeds/kcloud-monitor-api.md), mounted at /api/v1 with its envelope and error body. */
export const monitorApi: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance as unknown as Api;
  app.setErrorHandler(monitorErrorHandler);
  registerResponseCache(app, parseDuration(deps.config.api.cacheTtl), app.apiMetrics);
  for (const routes of [acceleratorsRoutes, infrastructureRoutes, hardwareRoutes, powerRoutes, queryRoutes, streamsRoutes, exportRoutes, clustersRoutes, systemRoutes]) {
    await routes(app, deps);
  }
};
