import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { VERSION } from '../../shared/version.js';
import { auditHook } from './audit-hook.js';
import { consoleRoutes, defaultConsoleDir } from './console/plugin.js';
import { authPlugin } from './auth/plugin.js';
import { rateLimitedArea } from './auth/rate-limit.js';
import { createCredentialServices } from './auth/services.js';
import { sharedStatePlugin } from './auth/shared-state.js';
import type { ApiDeps } from './deps.js';
import { representableDateTimes } from './date-time-format.js';
import { ApiError } from './errors.js';
import { refuseNonFiniteNumbers } from './finite-numbers.js';
import { acceptEmptyJsonBodies } from './json-body.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import { requestMetricsPlugin } from './metrics/plugin.js';
import { hubMetricsRoutes } from './metrics/route.js';
import { ecpApi } from './ecp/index.js';
import { ecpWebSockets } from './ecp/ws.js';
import { monitorApi } from './monitor/index.js';
import { monitorErrorHandler } from './monitor/errors.js';
import { isPveManagerUrl, pveManagerErrorHandler } from './pve-manager/errors.js';
import { pveManagerApi } from './pve-manager/index.js';
import { rootHealthRoute } from './proxmoxer/health.js';
import { proxmoxerApi } from './proxmoxer/index.js';
import { attachProxmoxRegistry } from './proxmoxer/registry-plugin.js';
import { skyclustApi } from './skyclust/index.js';
import { wsRoutes } from './skyclust/ws.js';
import type { Api } from './types.js';

export type ApiServer = Api;

/** Builds the hub's HTTP server: every API area behind one authorisation layer, OpenAPI at /docs. */
export async function buildApiServer(deps: ApiDeps): Promise<ApiServer> {
  const { http } = deps.config;
  const tls = http.tls.cert && http.tls.key ? { cert: readFileSync(http.tls.cert), key: readFileSync(http.tls.key) } : null;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's logger type the default one.
    loggerInstance: deps.log as FastifyBaseLogger,
    // One line per request would cost more than serving a cached answer; the request metrics count them instead.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    // Open SSE/WS streams and idle keep-alive sockets must not hold up a hub shutdown.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
    ajv: { onCreate: representableDateTimes },
    // The router's refusals (a path parameter over 100 characters, bad percent-encoding) in the area's error body (the Proxmox manager's under /api), not Fastify's own.
    frameworkErrors: (err, request, reply) => (isPveManagerUrl(request.url) ? pveManagerErrorHandler : monitorErrorHandler)(err, request, reply),
    trustProxy: http.trustProxy,
    ...(tls ? { https: tls } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Before any route: root routes (/metrics) answer errors in the monitor body too; areas set their own.
  app.setErrorHandler(monitorErrorHandler);
  acceptEmptyJsonBodies(app);
  refuseNonFiniteNumbers(app);
  app.decorateRequest('startedAt', 0);
  // Callback-style hooks where nothing is awaited: an async hook costs every request a promise and a microtask turn.
  app.addHook('onRequest', (request, _reply, done) => {
    request.startedAt = performance.now();
    done();
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'kcloud hub', version: VERSION, description: 'The hub\'s APIs: kcloud-monitor-api and the identity parts of skyclust-api (see docs/api.md).' },
      components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      security: [{ basic: [] }, { bearer: [] }, { apiKey: [] }],
    },
  });
  const credentials = createCredentialServices(deps);
  app.decorate('credentials', credentials);
  attachProxmoxRegistry(app, deps, credentials.secrets);
  await app.register(sharedStatePlugin, { shared: credentials.shared });
  await app.register(cookie);
  // Added before the auth plugin's own onRoute check: Swagger UI's routes (the API's description, no data) are public, declared as such.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...route.config, access: route.config?.access ?? 'public' };
  });
  await app.register(authPlugin, { resolvers: credentials.resolvers });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(auditHook, { audit: deps.audit });
  await app.register(requestMetricsPlugin);
  await hubMetricsRoutes(app, deps);

  await app.register(rateLimitedArea(monitorApi, 'monitor'), { prefix: '/api/v1', deps });
  await app.register(rateLimitedArea(skyclustApi, 'skyclust'), { prefix: '/api/v1', deps });
  await app.register(rateLimitedArea(pveManagerApi, 'pveManager'), { prefix: '/api', deps });
  // The registry shares /api/v1/clusters with the monitoring API, and so its rate-limit bucket.
  await app.register(rateLimitedArea(proxmoxerApi, 'monitor'), { prefix: '/api/v1', deps });
  // The ECP-AI orchestrator API (docs/ecp.md) counts in the monitoring API's bucket: the same clients, the same /api/v1.
  await app.register(rateLimitedArea(ecpApi, 'monitor'), { prefix: '/api/v1', deps });
  rootHealthRoute(app);
  // The web console at / (docs/console.md): static files, public like Swagger UI.
  if (deps.config.console.enabled) await app.register(consoleRoutes, { dir: deps.config.console.dir || defaultConsoleDir() });
  // skyclust-api documents its WebSocket at the root (ws://host:8080/ws); /api/v1/ws is served too.
  await wsRoutes(app, deps);
  // The ECP-AI orchestrator's WebSockets, at the root as its seed documents them (ws://host:8001/ws/monitoring/{tenant_id}, docs/ecp.md).
  await app.register(ecpWebSockets, { deps });

  app.setNotFoundHandler((request, reply) =>
    (isPveManagerUrl(request.url) ? pveManagerErrorHandler : monitorErrorHandler)(new ApiError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
  return app;
}

/**
 * Listens on `http.port` and every `http.extraPorts` (the seed APIs document
 * 8001, 8080 and 5000): one Fastify instance, extra servers hand their
 * requests and WebSocket upgrades to it. Returns the bound ports.
 */
export async function listenApi(app: ApiServer, deps: Pick<ApiDeps, 'config'>): Promise<{ ports: number[]; close(): Promise<void> }> {
  const { http } = deps.config;
  await app.listen({ host: http.host, port: http.port });
  const ports = [(app.server.address() as AddressInfo).port];
  const extra: Server[] = [];
  const tls = http.tls.cert && http.tls.key ? { cert: readFileSync(http.tls.cert), key: readFileSync(http.tls.key) } : null;
  const close = async () => {
    for (const s of extra) s.closeAllConnections();
    await Promise.all(extra.map((s) => new Promise((r) => s.close(r))));
    await app.close();
  };
  try {
    for (const port of http.extraPorts) {
      const handler = (req: Parameters<typeof app.routing>[0], res: Parameters<typeof app.routing>[1]) => app.routing(req, res);
      const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
      server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, http.host, () => resolve());
      });
      extra.push(server);
      ports.push((server.address() as AddressInfo).port);
    }
  } catch (err) {
    // An extra port in use: the ports already open are closed, not left serving.
    await close();
    throw err;
  }
  return { ports, close };
}
