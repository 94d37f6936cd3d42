import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';
import type { Api } from '../types.js';

/**
 * The console's own page policy: only its bundled files run (no inline
 * script, no CDN), it talks to this hub only (`'self'` covers same-origin
 * ws:/wss: in CSP 3), and no other site may frame it (clickjacking).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** `dist/console` of the package this module belongs to, from source (hub/api/console) or built (dist/hub/api/console). */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

/**
 * Serves the built console: `/` the page (revalidated every time, so a new
 * build shows at once), `/assets/*` the bundles, whose names carry a content
 * hash, cached for a year. Both are public like Swagger UI: code, no data;
 * every API call the page makes is authorised as any other. Vite's build
 * writes .gz and .br beside each file, sent to clients that accept them, so
 * the hub compresses nothing at run time.
 */
export async function consoleRoutes(app: Api, opts: { dir: string }): Promise<void> {
  const { dir } = opts;
  await app.register(fastifyStatic, { root: dir, serve: false, preCompressed: true });
  const built = () => existsSync(join(dir, 'index.html'));
  if (!built()) app.log.warn({ dir }, 'web console not built (npm run build): / answers 503');

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    pageHeaders(reply);
    // In the API's error body like every other refusal at the root (the authorisation tests read it as such).
    if (!built()) throw new ApiError('SERVICE_UNAVAILABLE', 'the web console is not built: run npm run build (the API is described at /docs)', { console_dir: dir });
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir, { cacheControl: false });
  });

  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) =>
    pageHeaders(reply).sendFile(request.params['*'], join(dir, 'assets'), { maxAge: '365d', immutable: true }),
  );
}
