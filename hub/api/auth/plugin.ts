import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { ACCESS_LEVELS, credentialAllows, PERMISSIONS, roleAllows, type RouteAccess } from './permissions.js';
import type { ApiPrincipal } from './principal.js';
import type { CredentialResolver } from './resolver.js';
import { fromOwnOrigin } from './same-origin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; every route must say (the auth plugin refuses to register one that does not). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated user; null on public routes. */
    principal: ApiPrincipal | null;
  }
  interface FastifyInstance {
    /** Every route with its declared access, for the authorisation tests and the OpenAPI document. */
    routeAccess: RouteAccessEntry[];
  }
}

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess;
}

export interface AuthPluginOptions {
  /** Tried in order; the first that finds a credential decides. */
  resolvers: readonly CredentialResolver[];
}

const ACCESS_VALUES = new Set<string>([...PERMISSIONS, ...ACCESS_LEVELS]);

/**
 * The principal behind a request, or an ApiError (401) when it carries a
 * wrong credential or none, or an ambient one (session cookie, Basic) from
 * another site's page: the one same-origin rule of every HTTP route and
 * WebSocket (CSRF; a WebSocket handshake has no CORS preflight, so this is
 * what stops cross-site WebSocket hijacking where SameSite does not apply).
 * It is checked before the credential, so such a request costs no password check.
 */
export async function authenticate(request: FastifyRequest, resolvers: readonly CredentialResolver[]): Promise<ApiPrincipal> {
  for (const resolver of resolvers) {
    if (resolver.carriesAmbient?.(request) && !fromOwnOrigin(request)) {
      throw new ApiError('UNAUTHORIZED', `${resolver.kind} credentials are not accepted from another site's page; send a token or an API key`);
    }
    const result = await resolver.resolve(request);
    if (result === 'invalid') throw new ApiError('UNAUTHORIZED', `invalid ${resolver.kind} credentials`);
    if (result) return result;
  }
  throw new ApiError('UNAUTHORIZED', 'authentication required', { schemes: resolvers.map((r) => r.kind) });
}

/**
 * The first resolver's principal when it knows it without waiting; null
 * when `authenticate` must run. An ambient credential from another site's
 * page gets null here, so `authenticate` refuses it as always.
 */
function knownPrincipal(request: FastifyRequest, resolvers: readonly CredentialResolver[]): ApiPrincipal | null {
  const first = resolvers[0];
  if (!first?.known || (first.carriesAmbient?.(request) && !fromOwnOrigin(request))) return null;
  return first.known(request);
}

/** Sets the request's principal (before the check, so the audit record of a refused request says who tried) and checks it. */
function admit(request: FastifyRequest, principal: ApiPrincipal, access: RouteAccess, done: (err?: Error) => void): void {
  request.principal = principal;
  try {
    authorize(principal, access);
  } catch (err) {
    done(err as Error);
    return;
  }
  done();
}

/** Checks that a principal may use a route with this access (role, then what its credential may do). */
export function authorize(principal: ApiPrincipal, access: RouteAccess): void {
  if (!roleAllows(principal.role, access)) throw new ApiError('FORBIDDEN', `role "${principal.role}" lacks permission "${access}"`);
  if (!credentialAllows(principal, access)) {
    throw new ApiError('FORBIDDEN', access === 'credentials' ? 'an API key cannot manage credentials; use a password, token or session' : `this API key's scopes do not include "${access}"`);
  }
}

/**
 * The one authorisation layer of every HTTP area: each route declares
 * `config.access`; requests to non-public routes are authenticated by the
 * resolvers (Basic, JWT, API key, session) and checked against the role.
 * Runs at onRequest, before the body is read, so an anonymous client cannot
 * make the hub parse a large body.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    app.decorateRequest('principal', null);
    app.decorate('routeAccess', [] as RouteAccessEntry[]);
    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (access === undefined || !ACCESS_VALUES.has(access)) {
        throw new Error(`route ${String(route.method)} ${route.url} must declare config.access (a permission, "authenticated" or "public")`);
      }
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') app.routeAccess.push({ method, url: route.url, access });
      }
    });
    // Callback-style: a principal the first resolver already knows (remembered Basic credentials, most dashboard
    // requests) is admitted without a promise; anything else is authenticated the async way.
    app.addHook('onRequest', (request, _reply, done) => {
      const access = request.routeOptions.config.access;
      // No route matched: the 404 handler answers, without revealing what needs auth.
      if (access === undefined || access === 'public') return done();
      const known = knownPrincipal(request, opts.resolvers);
      if (known) return admit(request, known, access, done);
      authenticate(request, opts.resolvers).then((principal) => admit(request, principal, access, done), done);
    });
  },
  { name: 'kcloud-auth' },
);
