import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../shared/bounded-cache.js';

describe('BoundedCache', () => {
  it('never holds more than maxEntries, however many keys pass through', () => {
    const cache = new BoundedCache<number, string>(100);
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, String(i));
      largest = Math.max(largest, cache.size);
    }
    expect(largest).toBe(100);
    // The newest keys are still there.
    expect(cache.get(9_999)).toBe('9999');
  });

  it('keeps a working set of half maxEntries used in turn, while other keys come and go', () => {
    const cache = new BoundedCache<string, number>(20);
    const working = Array.from({ length: 10 }, (_, i) => `hot-${i}`);
    for (const k of working) cache.set(k, 1);
    for (let round = 0; round < 50; round++) {
      for (const k of working) expect(cache.get(k)).toBe(1);
      cache.set(`cold-${round}`, 0);
    }
  });

  it('forgets a key unused for a whole generation', () => {
    const cache = new BoundedCache<number, number>(4);
    cache.set(1, 1);
    cache.set(2, 2); // generation full: {1, 2}
    cache.set(3, 3); // rotates: previous {1, 2}, current {3}
    cache.set(4, 4); // current {3, 4}
    expect(cache.get(1)).toBe(1); // moved up: previous {1, 2} -> current {1}, previous {3, 4}
    cache.set(5, 5); // current {1, 5}
    cache.set(6, 6); // rotates: previous {1, 5}, current {6}; 2, 3 and 4 are gone
    expect([2, 3, 4].map((k) => cache.get(k))).toEqual([undefined, undefined, undefined]);
    expect([1, 5, 6].map((k) => cache.get(k))).toEqual([1, 5, 6]);
  });

  it('deletes and clears in both generations', () => {
    const cache = new BoundedCache<string, number>(4);
    for (const [i, k] of ['a', 'b', 'c'].entries()) cache.set(k, i);
    cache.delete('a'); // in the older generation
    cache.delete('c'); // in the newer one
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 1, undefined]);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('b')).toBeUndefined();
  });

  it('refuses a bound that cannot hold two generations', () => {
    for (const bad of [0, 1, 2.5, Number.NaN, Infinity]) expect(() => new BoundedCache(bad)).toThrow(/maxEntries/);
  });
});
