import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { RouteAccess } from '../../hub/api/auth/permissions.js';

/** One route as a server registered it (one row per method, HEAD included). */
export interface RecordedRoute {
  method: string;
  url: string;
  /** `config.access`; undefined when the route declares none. */
  access: RouteAccess | undefined;
  websocket: boolean;
  /**
   * The name of the error handler of the scope the route was added in: which
   * area's error body it answers with (Fastify keeps the handler bound to its
   * instance, so only the name still matches the area's function).
   */
  errorHandler: string;
}

/** What the wrapped factory saw: every Fastify instance created and every route added to any of them. */
export const recorder: { servers: FastifyInstance[]; routes: RecordedRoute[] } = { servers: [], routes: [] };

type FastifyModule = typeof import('fastify');

/**
 * The `fastify` module with its factory wrapped so that each instance
 * records its routes from the start: the hook is added before any plugin,
 * so it also sees routes registered before the auth plugin, which
 * `app.routeAccess` cannot list. The server itself runs unchanged. Use as
 * `vi.mock('fastify', async (orig) => (await import('.../route-table.js')).recordingFastify(await orig()))`.
 */
export function recordingFastify(mod: FastifyModule): Record<string, unknown> {
  const create = mod.default;
  const factory = (opts?: FastifyServerOptions) => {
    const app = create(opts);
    recorder.servers.push(app);
    app.addHook('onRoute', function (this: FastifyInstance, route) {
      for (const method of [route.method].flat()) {
        recorder.routes.push({ method, url: route.url, access: route.config?.access, websocket: route.websocket === true, errorHandler: this.errorHandler.name.replace(/^bound /, '') });
      }
    });
    return app;
  };
  // The CommonJS module is the factory itself, with `default`, `fastify` and the error codes as properties.
  const wrapped = Object.assign(factory, create);
  return { ...mod, default: wrapped, fastify: wrapped };
}

/** An OpenAPI path template as Fastify writes it: `/gpus/{gpu_id}` -> `/gpus/:gpu_id`, a wildcard `{*}` -> `*`. */
export const fastifyPath = (openApiPath: string): string => openApiPath.replace(/\{\*\}/g, '*').replace(/\{([^}]+)\}/g, ':$1');
