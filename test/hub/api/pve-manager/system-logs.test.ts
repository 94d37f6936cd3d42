import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

interface LogLine {
  timestamp: string;
  level: string;
  message: string;
  source: string;
  fields: Record<string, unknown>;
}
interface Logs {
  logs: LogLine[];
  total: number;
  limit: number;
  offset: number;
}

/** A run's own lines carry this mark, so the hub's own lines (startup, requests) can be told apart. */
const mark = (run: string) => (l: LogLine) => l.fields.run === run;

describe('server manager: GET /api/system/logs (real hub)', () => {
  let hub: ApiHub;
  beforeAll(async () => {
    hub = await startApiHub();
    await hub.addUser('ulf', 'user');
    await hub.addUser('vera', 'viewer');
  });
  afterAll(() => hub.close());

  it('answers the hub\'s own lines, newest first, in the documented shape', async () => {
    const log = hub.logs.log.child({ part: 'test-part' });
    log.info({ run: 'shape', n: 1 }, 'first');
    log.warn({ run: 'shape', n: 2 }, 'second');
    const body = await hub.json<Logs>('/api/system/logs');
    expect(body).toMatchObject({ limit: 50, offset: 0 });
    expect(body.total).toBeGreaterThanOrEqual(2);
    expect(body.logs.filter(mark('shape'))).toEqual([
      { timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'warning', message: 'second', source: 'test-part', fields: { run: 'shape', n: 2 } },
      { timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', message: 'first', source: 'test-part', fields: { run: 'shape', n: 1 } },
    ]);
    // The hub logged its start into the same ring.
    const all = await hub.json<Logs>('/api/system/logs?limit=500');
    expect(all.logs.map((l) => l.message)).toContain('hub started');
    const times = all.logs.map((l) => Date.parse(l.timestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('level is the lowest level answered (debug, info, warning, error)', async () => {
    const log = hub.logs.log.child({ part: 'levels' });
    log.debug({ run: 'levels' }, 'd');
    log.info({ run: 'levels' }, 'i');
    log.warn({ run: 'levels' }, 'w');
    log.error({ run: 'levels' }, 'e');
    log.fatal({ run: 'levels' }, 'f');
    const at = async (level: string) => (await hub.json<Logs>(`/api/system/logs?level=${level}&limit=500`)).logs.filter(mark('levels')).map((l) => `${l.message}:${l.level}`);
    expect(await at('error')).toEqual(['f:error', 'e:error']);
    expect(await at('warning')).toEqual(['f:error', 'e:error', 'w:warning']);
    expect(await at('info')).toEqual(['f:error', 'e:error', 'w:warning', 'i:info']);
    expect(await at('debug')).toEqual(['f:error', 'e:error', 'w:warning', 'i:info', 'd:debug']);
    const errors = await hub.json<Logs>('/api/system/logs?level=error&limit=500');
    expect(errors.logs.every((l) => l.level === 'error')).toBe(true);
    expect(errors.total).toBe(errors.logs.length);
  });

  it('pages with limit and offset over the same newest-first order', async () => {
    const log = hub.logs.log.child({ part: 'paging' });
    for (let i = 0; i < 6; i++) log.error({ run: 'paging', i }, `page line ${i}`);
    const whole = await hub.json<Logs>('/api/system/logs?level=error&limit=500');
    const page = await hub.json<Logs>('/api/system/logs?level=error&limit=2&offset=1');
    expect(page).toMatchObject({ limit: 2, offset: 1, total: whole.total });
    expect(page.logs).toEqual(whole.logs.slice(1, 3));
    expect(whole.logs.filter(mark('paging')).map((l) => l.fields.i)).toEqual([5, 4, 3, 2, 1, 0]);
    const beyond = await hub.json<Logs>(`/api/system/logs?offset=${whole.total + 1000}`);
    expect(beyond.logs).toEqual([]);
  });

  it('never answers a secret: fields named like one, URL credentials and bearer tokens in any string are masked', async () => {
    hub.logs.log.child({ part: 'secrets' }).warn(
      { run: 'secrets', password: 'pw-4f1d', token: 'tok-9a2c', credentials: { username: 'svc', apiKey: 'key-77e0' }, detail: 'redis://:url-3b5e@db:6379 refused; sent Bearer bearer-c81f' },
      'login failed',
    );
    const res = await hub.request('/api/system/logs?limit=500');
    const text = await res.text();
    for (const secret of ['pw-4f1d', 'tok-9a2c', 'key-77e0', 'url-3b5e', 'bearer-c81f']) expect(text).not.toContain(secret);
    const line = (JSON.parse(text) as Logs).logs.find(mark('secrets'))!;
    expect(line.fields).toEqual({
      run: 'secrets',
      password: '********',
      token: '********',
      credentials: { username: '********', apiKey: '********' },
      detail: 'redis://********@db:6379 refused; sent Bearer ********',
    });
  });

  it('admins only: a user and a viewer get 403 in the seed\'s error body, anonymous 401', async () => {
    for (const who of [['ulf', 'ulf-password'], ['vera', 'vera-password']] as [string, string][]) {
      const res = await hub.request('/api/system/logs', { user: who });
      expect([res.status, await res.json()]).toEqual([403, { error: { code: 'FORBIDDEN', message: expect.stringContaining('system:manage'), details: {} } }]);
    }
    expect((await hub.request('/api/system/logs', { user: null })).status).toBe(401);
  });

  it.each([
    ['limit=-1', 'limit'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=abc', 'limit'],
    ['level=nonsense', 'level'],
    ['level=warn', 'level'],
    ['offset=-1', 'offset'],
    ['offset=99999999999999999999', 'offset'],
    ['offset=1.5', 'offset'],
  ])('%s: 400 INVALID_REQUEST naming %s', async (query, field) => {
    const res = await hub.request(`/api/system/logs?${query}`);
    expect([res.status, await res.json()]).toEqual([400, { error: { code: 'INVALID_REQUEST', message: expect.any(String), details: { field, reason: expect.any(String) } } }]);
  });
});

describe('server manager: the log ring\'s bounds (log.ring)', () => {
  it('keeps at most log.ring.maxLines lines, the newest', async () => {
    const hub = await startApiHub({ log: { ring: { maxLines: 5 } } });
    try {
      const log = hub.logs.log.child({ part: 'count' });
      for (let i = 0; i < 20; i++) log.error({ run: 'count', i }, `line ${i}`);
      const body = await hub.json<Logs>('/api/system/logs?level=error&limit=500');
      expect(body.total).toBe(5);
      expect(body.logs.map((l) => l.fields.i)).toEqual([19, 18, 17, 16, 15]);
      // Every level counted: the ring holds 5 lines in all, not 5 a level.
      expect((await hub.json<Logs>('/api/system/logs?limit=500')).total).toBe(5);
    } finally {
      await hub.close();
    }
  });

  it('keeps at most log.ring.maxBytes bytes of lines, the newest', async () => {
    const hub = await startApiHub({ log: { ring: { maxLines: 1000, maxBytes: 4096 } } });
    try {
      const log = hub.logs.log.child({ part: 'bytes' });
      // Each line is over 400 bytes: 4096 bytes hold at most 10.
      for (let i = 0; i < 40; i++) log.error({ run: 'bytes', i, pad: 'x'.repeat(400) }, `line ${i}`);
      const body = await hub.json<Logs>('/api/system/logs?level=error&limit=500');
      expect(body.total).toBeLessThanOrEqual(10);
      expect(body.total).toBeGreaterThanOrEqual(7);
      expect(body.logs.map((l) => l.fields.i)).toEqual(Array.from({ length: body.total }, (_, k) => 39 - k));
    } finally {
      await hub.close();
    }
  });
});
