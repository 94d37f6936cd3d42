import { describe, expect, it } from 'vitest';
import { placeAt } from '../../shared/dense-slots.js';

describe('placeAt', () => {
  it('fills the slots up to the index, so the array has no holes', () => {
    const slots: (string | undefined)[] = [];
    placeAt(slots, 3, 'c');
    placeAt(slots, 1, 'a');
    expect(slots).toEqual([undefined, 'a', undefined, 'c']);
    // Filled, not holes: every index up to the last is an own property.
    expect(Object.keys(slots)).toEqual(['0', '1', '2', '3']);
  });

  it('refuses an index that is no array index', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) expect(() => placeAt([], bad, 'x')).toThrow(/invalid id/);
  });
});
