import { Redis } from 'ioredis';
import { VERSION } from '../../../shared/version.js';
import type { HubDb } from '../../core/db.js';
import { redactUrlCredentials } from '../../core/url-credentials.js';
import { ApiError } from '../errors.js';
import { storeWriteView } from '../store-write-state.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { Ok, SkyErrors } from './schemas/common.js';
import { DbHealth, ProcessHealth, RedisHealth } from './schemas/health.js';

/** A Redis that does not answer within this is unhealthy (a health check must not hang). */
const REDIS_TIMEOUT_MS = 2000;
const MIB = 1024 * 1024;

/** Durations as the seed writes them (Go's style): `72h30m15s` for uptimes, `1.25ms` below a second. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  const total = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/** `key:value` lines of Redis INFO (`# Section` headers and blanks skipped). */
export function parseRedisInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

function timeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** PING and INFO on a fresh connection (closed afterwards); throws when Redis cannot be reached or does not answer. */
async function probeRedis(url: string) {
  // Its own connection, not the hub's shared one: the check says whether Redis answers now, not whether that client is between reconnections.
  const client = new Redis(url, { lazyConnect: true, connectTimeout: REDIS_TIMEOUT_MS, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  // Failures reach the awaited calls below; without a listener the client would also log them as unhandled 'error' events.
  client.on('error', () => {});
  try {
    await timeout(client.connect(), 'connect');
    const started = performance.now();
    await timeout(client.ping(), 'PING');
    const ms = performance.now() - started;
    const info = parseRedisInfo(await timeout(client.info(), 'INFO'));
    const num = (key: string) => (info.has(key) ? Number(info.get(key)) : null);
    const used = num('used_memory');
    return {
      status: 'healthy',
      connected_clients: num('connected_clients'),
      used_memory: used === null ? null : `${mib(used)}MB`,
      used_memory_bytes: used,
      version: info.get('redis_version') ?? null,
      response_time: goDuration(ms),
      response_time_ms: ms,
    };
  } finally {
    client.disconnect();
  }
}

function probeDb(db: HubDb) {
  const started = performance.now();
  // A real read of the schema table: answers only when the file is open and readable.
  const { n } = db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number };
  const ms = performance.now() - started;
  return {
    status: 'healthy',
    engine: 'sqlite',
    // The hub holds one connection to hub.db; SQLite has no connection limit.
    connection_count: 1,
    max_connections: null,
    schema_objects: n,
    journal_mode: db.pragma('journal_mode', { simple: true }) as string,
    response_time: goDuration(ms),
    response_time_ms: ms,
  };
}

/** skyclust-api's health checks; public, as DESIGN.md says of health checks. */
export const healthRoutes: RouteModule = (app, { db, config, startedAt, logins }) => {
  app.get('/health', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'The hub process', response: { 200: Ok(ProcessHealth), ...SkyErrors } } }, async (request) => {
    const mem = process.memoryUsage();
    const store = storeWriteView(logins.health);
    return ok(request, {
      status: store.writable ? 'healthy' : 'degraded',
      store,
      timestamp: new Date().toISOString(),
      uptime: goDuration(Date.now() - startedAt),
      uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
      version: VERSION,
      environment: process.env.NODE_ENV ?? 'production',
      metrics: {
        // Go's runtime figures as Node has them: alloc = V8 heap in use, sys = resident set; Node counts neither total allocations nor GCs.
        memory: { alloc_mb: mib(mem.heapUsed), total_alloc_mb: null, sys_mb: mib(mem.rss), heap_total_mb: mib(mem.heapTotal), num_gc: null },
        goroutines: null,
      },
    });
  });

  app.get('/health/db', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'hub.db (SQLite): a real query and its response time', response: { 200: Ok(DbHealth), ...SkyErrors } } }, async (request) => {
    try {
      const store = storeWriteView(logins.health);
      const probe = probeDb(db);
      return ok(request, { ...probe, status: store.writable ? probe.status : 'degraded', store });
    } catch (err) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'database check failed', { status: 'unhealthy', error: (err as Error).message });
    }
  });

  app.get('/health/redis', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'The Redis of config redis.url; not_configured when there is none', response: { 200: Ok(RedisHealth), ...SkyErrors } } }, async (request) => {
    const url = config.redis.url;
    if (!url) return ok(request, { status: 'not_configured', connected_clients: null, used_memory: null, used_memory_bytes: null, version: null, response_time: null, response_time_ms: null });
    try {
      return ok(request, await probeRedis(url));
    } catch (err) {
      // Public answer: the error's code (ECONNREFUSED) rather than its text, which names the internal address; never the URL or its password.
      const e = err as NodeJS.ErrnoException;
      throw new ApiError('SERVICE_UNAVAILABLE', 'redis check failed', { status: 'unhealthy', error: e.code ?? redactUrlCredentials(e.message) });
    }
  });
};
