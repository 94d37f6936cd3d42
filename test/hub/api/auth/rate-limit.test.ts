import { Value } from '@sinclair/typebox/value';
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfigSchema, type AuthConfig } from '../../../../hub/api/auth/config.js';
import { authPlugin } from '../../../../hub/api/auth/plugin.js';
import type { ApiPrincipal } from '../../../../hub/api/auth/principal.js';
import { areaLimits, bucket, rateLimitedArea } from '../../../../hub/api/auth/rate-limit.js';
import type { ApiDeps } from '../../../../hub/api/deps.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };
const principal = (via: ApiPrincipal['via'], userId = 1): ApiPrincipal => ({ userId, username: 'u', role: 'user', via, scopes: null, credentialId: via === 'api_key' ? 'key-1' : null });

describe('rate limit rules', () => {
  const config = Value.Default(AuthConfigSchema, {}) as AuthConfig;

  it('defaults to skyclust-api\'s limits per hour, monitoring off', () => {
    expect(areaLimits(config.rateLimit, 'skyclust')).toEqual({ windowMs: 3_600_000, anonymous: 100, authenticated: 1000, apiKey: 10_000 });
    expect(areaLimits(config.rateLimit, 'pveManager')).not.toBeNull();
    expect(areaLimits(config.rateLimit, 'monitor')).toBeNull();
    const monitorOn = { ...config.rateLimit, areas: { ...config.rateLimit.areas, monitor: { enabled: true, authenticated: 50_000 } } };
    expect(areaLimits(monitorOn, 'monitor')).toEqual({ windowMs: 3_600_000, anonymous: 100, authenticated: 50_000, apiKey: 10_000 });
  });

  it('gives API keys, users and anonymous clients their own budgets', () => {
    const limits = areaLimits(config.rateLimit, 'skyclust')!;
    expect(bucket(null, '10.0.0.1', limits)).toEqual({ key: 'ip:10.0.0.1', max: 100 });
    expect(bucket(principal('jwt', 7), '10.0.0.1', limits)).toEqual({ key: 'user:7', max: 1000 });
    expect(bucket(principal('session', 7), '10.0.0.2', limits)).toEqual({ key: 'user:7', max: 1000 });
    expect(bucket(principal('api_key', 7), '10.0.0.1', limits)).toEqual({ key: 'key:key-1', max: 10_000 });
  });
});

describe('rateLimitedArea (area switched on and off)', () => {
  const area: FastifyPluginAsync<{ deps: ApiDeps }> = async (app) => {
    app.setErrorHandler((err: { statusCode?: number; code?: string }, _req, reply) => reply.status(err.statusCode ?? 500).send({ area_error: err.code }));
    app.get('/ping', { config: { access: 'public' } }, async () => ({ pong: true }));
    app.get('/health', { config: { access: 'public' }, schema: { tags: ['health'] } }, async () => ({ ok: true }));
    app.get('/free', { config: { access: 'public', rateLimit: false } }, async () => ({ ok: true }));
  };
  const app = Fastify();
  beforeAll(async () => {
    const auth = Value.Default(AuthConfigSchema, { rateLimit: { anonymous: 2, areas: { skyclust: { enabled: true }, monitor: { enabled: false } } } });
    const deps = { config: { auth } } as unknown as ApiDeps;
    await app.register(authPlugin, { resolvers: [] });
    await app.register(rateLimitedArea(area, 'skyclust'), { prefix: '/on', deps });
    await app.register(rateLimitedArea(area, 'monitor'), { prefix: '/off', deps });
    await app.ready();
  });
  afterAll(() => app.close());

  it('limits the enabled area with headers and its own error body, leaves the disabled one alone', async () => {
    const first = await app.inject({ url: '/on/ping' });
    expect([first.statusCode, first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']]).toEqual([200, '2', '1']);
    await app.inject({ url: '/on/ping' });
    const over = await app.inject({ url: '/on/ping' });
    expect([over.statusCode, over.json()]).toEqual([429, { area_error: 'RATE_LIMITED' }]);
    for (let i = 0; i < 5; i++) {
      const off = await app.inject({ url: '/off/ping' });
      expect([off.statusCode, off.headers['x-ratelimit-limit']]).toEqual([200, undefined]);
    }
  });

  it('does not count health checks or routes that opt out', async () => {
    for (const url of ['/on/health', '/on/free']) {
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({ url });
        expect([res.statusCode, res.headers['x-ratelimit-limit']]).toEqual([200, undefined]);
      }
    }
  });
});

describe('rate limits on the skyclust and Proxmox manager areas (real hub)', () => {
  let hub: ApiHub;
  let key: string;
  beforeAll(async () => {
    hub = await startApiHub({ auth: { rateLimit: { anonymous: 3, authenticated: 4, apiKey: 6 } } });
    await hub.addUser('rita', 'user', 'rita-password');
    key = (await (await hub.request('/api/v1/api-keys', { method: 'POST', user: ['rita', 'rita-password'], headers: json, body: '{"name":"k"}' })).json()).data.key;
  });
  afterAll(() => hub.close());

  it('counts anonymous requests per ip: headers with an epoch reset, then 429 RATE_LIMITED with Retry-After', async () => {
    const anon = () => hub.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: '{}' });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await anon();
      expect(res.status).toBe(400);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      seen.push(res.headers.get('x-ratelimit-remaining')!);
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset * 1000).toBeGreaterThan(Date.now() + 3_590_000);
      expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 3_601_000);
    }
    expect(seen).toEqual(['2', '1', '0']);
    const over = await anon();
    const body = await over.json();
    expect([over.status, body.success, body.code]).toEqual([429, false, 'RATE_LIMITED']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3500);
  });

  it('gives a signed-in user and their API key separate budgets from anonymous clients and each other', async () => {
    const asUser = () => hub.request('/api/v1/users/me', { user: ['rita', 'rita-password'] });
    const asKey = () => hub.request('/api/v1/users/me', { user: null, headers: { 'x-api-key': key } });
    // rita used one request creating the key.
    const userRemaining: string[] = [];
    for (let i = 0; i < 3; i++) userRemaining.push((await asUser()).headers.get('x-ratelimit-remaining')!);
    expect(userRemaining).toEqual(['2', '1', '0']);
    expect((await asUser()).status).toBe(429);
    const k = await asKey();
    expect([k.status, k.headers.get('x-ratelimit-limit'), k.headers.get('x-ratelimit-remaining')]).toEqual([200, '6', '5']);
  });

  it('limits the Proxmox manager area on its own budget, in its error body', async () => {
    const anon = () => hub.request('/api/auth/logout', { method: 'POST', user: null });
    for (let i = 0; i < 3; i++) expect((await anon()).status).toBe(200);
    const over = await anon();
    expect(over.status).toBe(429);
    expect((await over.json()).error.code).toBe('RATE_LIMITED');
  });
});
