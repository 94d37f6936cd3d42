import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseDuration } from '../../../shared/duration.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { sharedRateLimitStore } from '../../redis/rate-limit-store.js';
import type { AuthConfig, RateLimitArea } from './config.js';
import type { ApiPrincipal } from './principal.js';
import { sourceAddress } from '../../identity/source-address.js';

export interface AreaLimits {
  windowMs: number;
  anonymous: number;
  authenticated: number;
  apiKey: number;
}

/** An area's limits (its overrides over the shared ones); null when the area is not rate limited. */
export function areaLimits(config: AuthConfig['rateLimit'], area: RateLimitArea): AreaLimits | null {
  const a = config.areas[area];
  if (!a.enabled) return null;
  return {
    windowMs: parseDuration(config.window),
    anonymous: a.anonymous ?? config.anonymous,
    authenticated: a.authenticated ?? config.authenticated,
    apiKey: a.apiKey ?? config.apiKey,
  };
}

/** skyclust-api's rule: an API key has its own budget, a signed-in user theirs, anonymous requests share one per client ip. */
export function bucket(principal: ApiPrincipal | null, ip: string, limits: AreaLimits): { key: string; max: number } {
  if (!principal) return { key: `ip:${sourceAddress(ip)}`, max: limits.anonymous };
  if (principal.via === 'api_key') return { key: `key:${principal.credentialId}`, max: limits.apiKey };
  return { key: `user:${principal.userId}`, max: limits.authenticated };
}

/**
 * Health checks (routes tagged `health`) and routes declaring
 * `config.rateLimit: false` are not counted: a probe every 10 s would spend
 * an anonymous budget of 100/h in 17 minutes.
 */
export function exempt(request: FastifyRequest): boolean {
  const { config, schema } = request.routeOptions;
  return config.rateLimit === false || (schema?.tags?.includes('health') ?? false);
}

/** Entries of the in-memory counters (an LRU: the least recently seen principals are forgotten first). */
const LOCAL_ENTRIES = 10_000;

/**
 * Wraps an API area so its routes are rate limited per principal, with
 * skyclust-api's X-RateLimit-Limit/Remaining/Reset headers (Reset: epoch
 * seconds) and 429 RATE_LIMITED in the area's own error body. Counting is
 * @fastify/rate-limit's in-memory store, or with `redis.url` its Redis store
 * (keys `kcloud:ratelimit:<area>:…`, so hubs count together) falling back to
 * memory while Redis is down. The hook runs after authentication, so it
 * knows the principal. A disabled area gets no hook at all.
 */
export function rateLimitedArea<O extends { deps: ApiDeps }>(area: FastifyPluginAsync<O>, name: RateLimitArea): FastifyPluginAsync<O> {
  return async (scope, opts) => {
    // The prefix was applied to this wrapper already; the area must not add it again.
    const { prefix: _prefix, ...areaOpts } = opts as O & { prefix?: string };
    const limits = areaLimits(opts.deps.config.auth.rateLimit, name);
    if (limits) {
      // Absent when an area is mounted on its own (tests): then memory only.
      const shared = scope.hasDecorator('credentials') ? scope.credentials.shared : null;
      const store = shared ? sharedRateLimitStore({ redis: shared.redis, namespace: `kcloud:ratelimit:${name}:`, log: opts.deps.log, cache: LOCAL_ENTRIES }) : undefined;
      await scope.register(rateLimit, { global: false, cache: LOCAL_ENTRIES, store });
      const limiter = scope.createRateLimit({
        timeWindow: limits.windowMs,
        keyGenerator: (req) => bucket(req.principal, req.ip, limits).key,
        max: (req) => bucket(req.principal, req.ip, limits).max,
      });
      scope.addHook('onRequest', async (request, reply) => {
        if (exempt(request)) return;
        const r = await limiter(request);
        if (r.isAllowed) return;
        void reply.header('x-ratelimit-limit', r.max).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', Math.ceil((Date.now() + r.ttl) / 1000));
        if (!r.isExceeded) return;
        void reply.header('retry-after', r.ttlInSeconds);
        throw new ApiError('RATE_LIMITED', `rate limit of ${r.max} requests per ${Math.round(limits.windowMs / 1000)} s exceeded; retry in ${r.ttlInSeconds} s`, {
          limit: r.max,
          retry_after_s: r.ttlInSeconds,
        });
      });
    }
    await scope.register(area, areaOpts as O);
  };
}
