import { describe, expect, it } from 'vitest';
import { CostCache, type ProviderCosts } from '../../../../hub/integrations/clouds/cost-cache.js';

const answer = (cost: number): ProviderCosts => ({ items: [{ provider: 'aws', date: '2026-01-01', service: 'EC2', cost, estimated: false }], currency: 'USD' });

/** A provider whose answers the test sets, counting the calls. */
function provider(cost = 1) {
  const p = { calls: 0, cost, fetch: () => Promise.resolve().then(() => (p.calls++, answer(p.cost))) };
  return p;
}

describe('CostCache', () => {
  it('serves an answer for ttl, then asks again and reports a changed total (in cents) once', async () => {
    let now = 0;
    const changes: [number, number][] = [];
    const cache = new CostCache({ ttlMs: 1000, maxEntries: 10, now: () => now });
    const onChange = (b: ProviderCosts, a: ProviderCosts) => changes.push([b.items[0]!.cost, a.items[0]!.cost]);
    const p = provider(5);
    expect(await cache.get('k', p.fetch, onChange)).toEqual(answer(5));
    now = 999;
    p.cost = 7;
    expect(await cache.get('k', p.fetch, onChange)).toEqual(answer(5));
    expect(p.calls).toBe(1);
    now = 1000;
    expect(await cache.get('k', p.fetch, onChange)).toEqual(answer(7));
    expect(p.calls).toBe(2);
    expect(changes).toEqual([[5, 7]]);
    // Less than a cent is no change.
    now = 2000;
    p.cost = 7.001;
    await cache.get('k', p.fetch, onChange);
    expect(changes).toEqual([[5, 7]]);
  });

  it('keeps at most maxEntries answers, the least recently used going first', async () => {
    const cache = new CostCache({ ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    const p = provider();
    const none = () => undefined;
    await cache.get('a', p.fetch, none);
    await cache.get('b', p.fetch, none);
    await cache.get('a', p.fetch, none);
    await cache.get('c', p.fetch, none);
    expect(cache.size).toBe(2);
    expect(p.calls).toBe(3);
    await cache.get('a', p.fetch, none);
    expect(p.calls).toBe(3);
    await cache.get('b', p.fetch, none);
    expect(p.calls).toBe(4);
  });

  it('asks once for queries made while the same one is in flight, and keeps no error', async () => {
    const cache = new CostCache({ ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    const p = provider(3);
    const both = await Promise.all([cache.get('k', p.fetch, () => undefined), cache.get('k', p.fetch, () => undefined)]);
    expect(both).toEqual([answer(3), answer(3)]);
    expect(p.calls).toBe(1);
    let failures = 0;
    const failing = () => Promise.reject(new Error(`refused ${++failures}`));
    await expect(cache.get('bad', failing, () => undefined)).rejects.toThrow('refused 1');
    await expect(cache.get('bad', failing, () => undefined)).rejects.toThrow('refused 2');
    expect(cache.size).toBe(1);
  });
});
