import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from '../../../hub/api/lazy-request-logger.js';
import { memoryLogger } from '../../helpers/logger.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from '../../helpers/hub.js';

describe('request.log made on first use', () => {
  it('makes the child only when a line is written, once, with the request bindings', () => {
    const { log: parent, lines } = memoryLogger();
    const made = vi.spyOn(parent, 'child');
    const log = lazyRequestLogger(parent, { reqId: 'req-7' }, {});
    expect(log.level).toBe('debug');
    expect(made).not.toHaveBeenCalled();

    log.info({ code: 'BAD' }, 'request refused');
    log.warn('again');
    expect(made).toHaveBeenCalledTimes(1);
    log.child({ part: 'sub' }).error('from a child');
    expect(lines()).toMatchObject([
      { reqId: 'req-7', code: 'BAD', msg: 'request refused', level: 30 },
      { reqId: 'req-7', msg: 'again', level: 40 },
      { reqId: 'req-7', part: 'sub', msg: 'from a child', level: 50 },
    ]);
  });

  it('keeps a route\'s own log level', () => {
    const { log: parent, lines } = memoryLogger();
    const log = lazyRequestLogger(parent, { reqId: 'req-8' }, { level: 'warn' });
    expect(log.level).toBe('warn');
    log.info('not written');
    log.warn('written');
    expect(lines().map((l) => l.msg)).toEqual(['written']);
  });

  describe('in the hub', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub();
    });
    afterAll(() => t.hub.stop());

    it('a refused request\'s log line carries the request_id its answer gave', async () => {
      const res = await fetch(`${t.api}/api/v1/workspaces?limit=-3`, { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` } });
      const body = (await res.json()) as { request_id: string };
      expect(res.status).toBe(400);
      const refused = t.logs.lines().filter((l) => l.msg === 'request refused');
      expect(refused.map((l) => l.reqId)).toContain(body.request_id);
    });
  });
});
