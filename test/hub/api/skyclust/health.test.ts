import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../../hub/api/deps.js';
import { skyclustErrorHandler } from '../../../../hub/api/skyclust/errors.js';
import { goDuration, healthRoutes, parseRedisInfo } from '../../../../hub/api/skyclust/health.js';
import type { Api } from '../../../../hub/api/types.js';
import { openHubDb } from '../../../../hub/core/db.js';
import { VERSION } from '../../../../shared/version.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startRedis, type RedisServer } from '../../redis/redis-server.js';

describe('health: formats', () => {
  it('writes durations as the seed does', () => {
    expect(goDuration(((72 * 60 + 30) * 60 + 15) * 1000)).toBe('72h30m15s');
    expect(goDuration(75_000)).toBe('1m15s');
    expect(goDuration(2)).toBe('2ms');
    expect(goDuration(1.23456)).toBe('1.235ms');
  });

  it('reads Redis INFO lines', () => {
    const info = parseRedisInfo('# Clients\r\nconnected_clients:3\r\n\r\n# Memory\r\nused_memory:2621440\r\nused_memory_human:2.50M\r\n');
    expect(info.get('connected_clients')).toBe('3');
    expect(info.get('used_memory')).toBe('2621440');
    expect(info.has('# Clients')).toBe(false);
  });
});

describe('skyclust health on a hub with Redis configured', () => {
  let h: ApiHub;
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
    h = await startApiHub({ redis: { url: redis.url } });
  });
  afterAll(async () => {
    await h.close();
    await redis.stop();
  });

  it('GET /health answers without credentials, with version and uptime', async () => {
    const res = await h.request('/api/v1/health', { user: null });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, data: { status: 'healthy', version: VERSION } });
    expect(body.data.uptime).toMatch(/^(\d+h)?(\d+m)?\d+s$|ms$/);
    expect(body.data.metrics.memory.sys_mb).toBeGreaterThan(10);
    expect(body.data.metrics.memory.num_gc).toBeNull();
  });

  it('GET /health/db runs a real query on hub.db', async () => {
    const body = await (await h.request('/api/v1/health/db', { user: null })).json();
    const objects = (h.db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    expect(body.data).toMatchObject({ status: 'healthy', engine: 'sqlite', schema_objects: objects, journal_mode: 'wal', max_connections: null });
    expect(body.data.response_time).toMatch(/ms$/);
    expect(body.data.response_time_ms).toBeGreaterThan(0);
  });

  it('GET /health/redis pings the real server and reports its clients and memory', async () => {
    const extra = [new Redis(redis.url), new Redis(redis.url)];
    for (const c of extra) await c.ping();
    const info = parseRedisInfo(await extra[0]!.info('memory'));
    const clients = Number(parseRedisInfo(await extra[0]!.info('clients')).get('connected_clients'));
    const res = await h.request('/api/v1/health/redis', { user: null });
    for (const c of extra) c.disconnect();
    expect(res.status).toBe(200);
    const body = await res.json();
    // The two clients above and the hub's own two (commands, and one subscriber for every hub channel)...
    expect(clients).toBe(4);
    // ...plus the probe's own connection.
    expect(body.data).toMatchObject({ status: 'healthy', connected_clients: clients + 1 });
    expect(body.data.used_memory).toMatch(/^\d+(\.\d)?MB$/);
    expect(body.data.used_memory_bytes / Number(info.get('used_memory'))).toBeGreaterThan(0.5);
    expect(body.data.version).toMatch(/^\d+\.\d+/);
    expect(body.data.response_time_ms).toBeGreaterThan(0);
  });

  it('GET /health/redis answers 503 unhealthy once Redis is stopped', async () => {
    await redis.stop();
    const res = await h.request('/api/v1/health/redis', { user: null });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE', data: { status: 'unhealthy' } });
    expect(body.data.error).toMatch(/ECONNREFUSED|closed|connect/i);
    expect(JSON.stringify(body)).not.toContain(redis.url);
  });
});

describe('skyclust health without Redis', () => {
  it('reports redis not_configured and a closed database as unhealthy (503)', async () => {
    const h = await startApiHub();
    try {
      const body = await (await h.request('/api/v1/health/redis', { user: null })).json();
      expect(body.data).toMatchObject({ status: 'not_configured', connected_clients: null, used_memory: null, response_time: null });
    } finally {
      await h.close();
    }
    const db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-health-')), 'hub.db'));
    db.close();
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    app.setErrorHandler(skyclustErrorHandler);
    await healthRoutes(app as unknown as Api, { db, config: { redis: { url: '' } }, startedAt: Date.now() } as unknown as ApiDeps);
    const res = await app.inject({ url: '/health/db' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE', data: { status: 'unhealthy' } });
    await app.close();
  });
});
