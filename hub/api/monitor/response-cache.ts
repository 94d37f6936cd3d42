import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { Api } from '../types.js';

interface Entry {
  body: string;
  contentType: string;
  expires: number;
}

/** Distinct URLs kept; the oldest goes first (a Map iterates in insertion order). */
const MAX_ENTRIES = 1000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Answered from the response cache (set by the monitor area's cache). */
    servedFromCache?: boolean;
  }
}

/** The body with the envelope's `metadata.cache_hit` set (metadata comes last in the envelope). */
function markHit(body: string): string {
  const at = body.lastIndexOf('"cache_hit":false');
  return at < 0 ? body : `${body.slice(0, at)}"cache_hit":true${body.slice(at + '"cache_hit":false'.length)}`;
}

/**
 * A short-lived cache of the monitoring area's JSON answers, keyed by the
 * URL (path and query): dashboards poll the same few URLs, and every one of
 * them would otherwise recompute the fleet view. An answer is at most
 * `ttlMs` old and says so (`metadata.cache_hit: true`); authentication and
 * validation still run for every request (the lookup is a preHandler).
 * Streams and exports are not strings and are never cached.
 */
export function registerResponseCache(app: Api, ttlMs: number, metrics: ApiMetrics, now: () => number = Date.now): void {
  if (ttlMs <= 0) return;
  const entries = new Map<string, Entry>();
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return;
    const hit = entries.get(request.url);
    if (!hit) return;
    if (hit.expires <= now()) {
      entries.delete(request.url);
      return;
    }
    metrics.cacheHits.inc();
    request.servedFromCache = true;
    return reply.type(hit.contentType).send(hit.body);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || request.servedFromCache || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const contentType = String(reply.getHeader('content-type') ?? '');
    if (!contentType.startsWith('application/json')) return payload;
    metrics.cacheMisses.inc();
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(request.url, { body: markHit(payload), contentType, expires: now() + ttlMs });
    return payload;
  });
}
