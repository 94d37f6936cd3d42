import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { Api } from '../types.js';

interface Entry {
  body: string;
  /** The same body gzipped once, for the clients that accept it (browsers, Grafana, curl --compressed). */
  gzip: Buffer;
  contentType: string;
  expires: number;
}

let lastHeader = '';
let lastAccepts = false;

/** True when an Accept-Encoding header accepts gzip (a `gzip;q=0` refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  // Clients send the same header on every request: the last answer is kept.
  if (header === lastHeader) return lastAccepts;
  lastHeader = header;
  return (lastAccepts = header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }));
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
 * Streams and exports are not strings and are never cached. Each entry is
 * gzipped once when stored, so clients that accept gzip get the small copy.
 */
export function registerResponseCache(app: Api, ttlMs: number, metrics: ApiMetrics, now: () => number = Date.now): void {
  if (ttlMs <= 0) return;
  const entries = new Map<string, Entry>();
  // Callback-style hooks: an async hook costs every request a promise and a microtask turn. A hit answers without
  // calling `done` (Fastify's rule for a hook that replies).
  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const hit = request.method === 'GET' ? entries.get(request.url) : undefined;
    if (!hit) return done();
    if (hit.expires <= now()) {
      entries.delete(request.url);
      return done();
    }
    metrics.cacheHits.inc();
    request.servedFromCache = true;
    void reply.type(hit.contentType).header('vary', 'accept-encoding');
    // A dashboard's GPU list is ~175 KB: sent gzipped (~10x smaller) the socket write stops being the bottleneck.
    if (acceptsGzip(request.headers['accept-encoding'])) void reply.header('content-encoding', 'gzip').send(hit.gzip);
    else void reply.send(hit.body);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'GET' || request.servedFromCache || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
    const contentType = String(reply.getHeader('content-type') ?? '');
    if (!contentType.startsWith('application/json')) return done(null, payload);
    metrics.cacheMisses.inc();
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    const body = markHit(payload);
    entries.set(request.url, { body, gzip: gzipSync(body), contentType, expires: now() + ttlMs });
    void reply.header('vary', 'accept-encoding');
    done(null, payload);
  });
}
