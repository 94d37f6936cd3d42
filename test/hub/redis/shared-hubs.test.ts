import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { startRedis, type RedisServer } from './redis-server.js';

const json = { 'content-type': 'application/json' };
const LIMIT = 5;
const PER_ACCOUNT = 3;
const auth = { rateLimit: { authenticated: LIMIT }, loginThrottle: { perAccount: PER_ACCOUNT } };

/** The claims of a JWT, read without verifying (the hub verifies; the test only needs jti and exp). */
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string; exp: number; sub: string };

/**
 * Two real hubs sharing one real redis-server and one user store: B starts
 * on a copy of A's hub.db and JWT key, as two hubs behind a load balancer
 * that share logins would.
 */
describe('two hubs sharing a Redis', () => {
  let redis: RedisServer;
  let a: ApiHub;
  let b: ApiHub;
  let probe: Redis;

  const login = async (hub: ApiHub, username: string, password: string) =>
    hub.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) });
  const tokenFrom = async (hub: ApiHub, username: string) => {
    const res = await login(hub, username, `${username}-password`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { token: string } }).data.token;
  };
  const me = (hub: ApiHub, token: string) => hub.request('/api/v1/users/me', { user: null, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    redis = await startRedis();
    a = await startApiHub({ redis: { url: redis.url }, auth });
    for (const name of ['ada', 'bob', 'cid', 'dan', 'eve']) await a.addUser(name, 'user');
    const dataB = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-b-')), 'data');
    mkdirSync(dataB);
    a.db.exec(`VACUUM INTO '${join(dataB, 'hub.db')}'`);
    copyFileSync(join(a.dataDir, 'jwt-ed25519.pem'), join(dataB, 'jwt-ed25519.pem'));
    b = await startApiHub({ dataDir: dataB, redis: { url: redis.url }, auth });
    // No reconnection: the last test stops Redis, and a reconnecting probe would log ECONNREFUSED as an unhandled error event.
    probe = new Redis(redis.url, { retryStrategy: () => null });
  });
  // Whatever of the setup ran: a hub that failed to start must not leave the Redis server running.
  afterAll(async () => {
    probe?.disconnect();
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('accepts on B a token issued by A, and refuses it on B right after logout on A', async () => {
    const token = await tokenFrom(a, 'ada');
    const onB = await me(b, token);
    expect(onB.status).toBe(200);
    // The token names the user by its row id; the skyclust answer by its UUID, the same on both hubs (one hub.db).
    const ada = a.db.prepare("SELECT id, uuid FROM users WHERE username = 'ada'").get() as { id: number; uuid: string };
    expect(claims(token).sub).toBe(String(ada.id));
    expect(((await onB.json()) as { data: { id: string; username: string } }).data).toMatchObject({ id: ada.uuid, username: 'ada' });

    const out = await a.request('/api/v1/auth/logout', { method: 'POST', user: null, headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    // No waiting: the logout's answer is sent only once the revocation is in Redis.
    expect((await me(b, token)).status).toBe(401);
    expect((await me(a, token)).status).toBe(401);

    // The key lives exactly as long as the token could still be accepted (exp + 30 s clock tolerance).
    const { jti, exp } = claims(token);
    const ttlMs = await probe.pttl(`kcloud:revoked:${jti}`);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(exp * 1000 + 30_000 - Date.now() + 1000);
  });

  it('spends one rate-limit budget across both hubs', async () => {
    const token = await tokenFrom(a, 'bob');
    const seen: [number, string | null][] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await me(i % 2 === 0 ? a : b, token);
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      seen.push([res.status, res.headers.get('x-ratelimit-remaining')]);
    }
    expect(seen).toEqual([...Array(LIMIT).keys()].map((i) => [200, String(LIMIT - 1 - i)]));
    // Each hub alone has served only about half the budget, yet both refuse now.
    for (const hub of [a, b]) {
      const res = await me(hub, token);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('counts failed logins on both hubs against one account', async () => {
    expect((await login(a, 'cid', 'wrong-1')).status).toBe(401);
    expect((await login(b, 'cid', 'wrong-2')).status).toBe(401);
    expect((await login(b, 'cid', 'wrong-3')).status).toBe(401);
    // B's failures reach A on a pub/sub channel, asynchronously: wait until A's hub.db holds all three.
    const accountFailures = () => (a.db.prepare("SELECT count(*) AS n FROM login_failures WHERE key LIKE 'account:%'").get() as { n: number }).n;
    await expect.poll(accountFailures, { timeout: 2000 }).toBe(PER_ACCOUNT);
    // The right password: A alone saw one failure and would let it in; together the account is locked.
    const res = await login(a, 'cid', 'cid-password');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('with Redis stopped: counts and revokes per hub and logs it; after a restart republishes the logouts made meanwhile', async () => {
    const token = await tokenFrom(a, 'dan');
    const other = await tokenFrom(a, 'eve');
    await redis.stop();

    // Requests are neither refused nor left uncounted: each hub counts in its own memory from a fresh budget.
    const remaining: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await me(a, token);
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual([String(LIMIT - 1), String(LIMIT - 2)]);
    const onB = await me(b, token);
    expect([onB.status, onB.headers.get('x-ratelimit-remaining')]).toEqual([200, String(LIMIT - 1)]);
    const warnings = a.logs.lines().filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toContain("rate limits: redis unavailable, counting in this hub's memory");

    // A logout during the outage holds on the hub that took it; B cannot know yet.
    const out = await a.request('/api/v1/auth/logout', { method: 'POST', user: null, headers: { authorization: `Bearer ${other}` } });
    expect(out.status).toBe(200);
    expect((await me(a, other)).status).toBe(401);
    expect((await me(b, other)).status).toBe(200);
    expect(b.logs.lines().map((l) => l.msg)).toContain("revocations: redis unavailable, only this hub's logouts are refused");

    await redis.restart();
    // The new Redis is empty; A republishes its hub.db list when it reconnects (backoff up to 2 s).
    await expect.poll(async () => (await me(b, other)).status, { timeout: 8000, interval: 200 }).toBe(401);
    expect((await me(b, token)).status).toBe(200);
  });
});
