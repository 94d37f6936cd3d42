import { describe, expect, it } from 'vitest';
import { parseHubMessage } from '../../../hub/redis/hub-channels.js';
import { loginEventOf } from '../../../hub/redis/login-failures.js';
import { WriteBarrier } from '../../../hub/redis/write-barrier.js';

describe('login-failure messages', () => {
  /** What a hub does with a message on the login-failure channel. */
  const parseLoginMessage = (text: string, self: string) => {
    const m = parseHubMessage(text, self);
    return m && loginEventOf(m);
  };
  const msg = (m: Record<string, unknown>) => JSON.stringify(m);

  it('takes failures and successes from other hubs', () => {
    expect(parseLoginMessage(msg({ origin: 'hub-b', kind: 'fail', account: '7', ip: '10.0.0.9', ts: 1700 }), 'hub-a')).toEqual({ kind: 'fail', account: '7', ip: '10.0.0.9', ts: 1700 });
    expect(parseLoginMessage(msg({ origin: 'hub-b', kind: 'succeed', account: '7' }), 'hub-a')).toEqual({ kind: 'succeed', account: '7' });
    // With the address, the other hubs clear that (account, address) pair's count too.
    expect(parseLoginMessage(msg({ origin: 'hub-b', kind: 'succeed', account: '7', ip: '10.0.0.1' }), 'hub-a')).toEqual({ kind: 'succeed', account: '7', ip: '10.0.0.1' });
  });

  it('ignores its own messages and anything malformed', () => {
    expect(parseLoginMessage(msg({ origin: 'hub-a', kind: 'fail', account: '7', ip: '10.0.0.9', ts: 1700 }), 'hub-a')).toBeNull();
    for (const bad of ['not json', 'null', msg({ origin: 'hub-b', kind: 'fail', account: '7', ts: 1700 }), msg({ origin: 'hub-b', kind: 'fail', account: '7', ip: 'x', ts: 'soon' }), msg({ origin: 'hub-b', kind: 'drop', account: '7' }), msg({ kind: 'succeed', account: '7' })]) {
      expect(parseLoginMessage(bad, 'hub-a')).toBeNull();
    }
  });
});

describe('WriteBarrier', () => {
  it('waits for every tracked write, failed ones included', async () => {
    const barrier = new WriteBarrier();
    const order: string[] = [];
    barrier.track(new Promise((resolve) => setTimeout(() => resolve(order.push('write')), 20)));
    barrier.track(Promise.reject(new Error('redis down')));
    await barrier.settled();
    order.push('response');
    expect(order).toEqual(['write', 'response']);
  });
});
