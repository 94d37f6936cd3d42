import fp from 'fastify-plugin';
import { ApiMetrics } from './api-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's request, cache and Prometheus-query metrics (GET /api/v1/system/metrics). */
    apiMetrics: ApiMetrics;
  }
}

/** Route pattern label of requests that matched no route: their URLs are client-chosen (cardinality). */
export const UNMATCHED_ENDPOINT = 'unmatched';

/**
 * Counts every response of the whole server (all areas: the plugin is not
 * encapsulated) by method, route pattern and status, and observes its
 * duration. Register before the areas so they can reach `app.apiMetrics`.
 */
export const requestMetricsPlugin = fp(
  async (app) => {
    const metrics = new ApiMetrics();
    app.decorate('apiMetrics', metrics);
    app.addHook('onResponse', (request, reply, done) => {
      const endpoint = request.routeOptions.url ?? UNMATCHED_ENDPOINT;
      metrics.requests.inc({ method: request.method, endpoint, status: String(reply.statusCode) });
      metrics.duration.observe({ method: request.method, endpoint }, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'kcloud-request-metrics' },
);
