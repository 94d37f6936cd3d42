import { describe, expect, it } from 'vitest';
import { SlicedFanOut } from '../../../hub/streams/sliced-fan-out.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** `n` listeners, each recording what it got; a slice of 0 ms yields after every 16 of them. */
function setup(n: number, sliceMs = 0) {
  const got: string[][] = Array.from({ length: n }, () => []);
  const listeners = new Set<(v: string) => void>();
  const byIndex = got.map((g) => (v: string) => void g.push(v));
  for (const l of byIndex) listeners.add(l);
  const errors: unknown[] = [];
  const fanOut = new SlicedFanOut<string>(listeners, (err) => errors.push(err), sliceMs);
  return { got, listeners, byIndex, errors, fanOut };
}

const reached = (got: string[][], value: string) => got.filter((g) => g.includes(value)).length;

describe('SlicedFanOut', () => {
  it('gives every listener the value, a slice per turn when the slice time is spent', async () => {
    const { got, fanOut } = setup(40);
    fanOut.send('a');
    expect(reached(got, 'a')).toBe(16);
    await nextTurn();
    expect(reached(got, 'a')).toBe(32);
    await nextTurn();
    expect(got.every((g) => g.join() === 'a')).toBe(true);
    await nextTurn();
    expect(got.every((g) => g.length === 1)).toBe(true);
  });

  it('reaches everyone in one go while the slice time lasts', () => {
    const { got, fanOut } = setup(200, 1000);
    fanOut.send('a');
    expect(got.every((g) => g.join() === 'a')).toBe(true);
  });

  it('restarts the round with a newer value: those still waiting get only the newer one', async () => {
    const { got, fanOut } = setup(40);
    fanOut.send('a');
    fanOut.send('b');
    // The first 16 had a, then b at once; the rest never get a.
    expect(got.slice(0, 16).every((g) => g.join() === 'a,b')).toBe(true);
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(got.slice(16).every((g) => g.join() === 'b')).toBe(true);
    expect(reached(got, 'b')).toBe(40);
  });

  it('skips listeners that left during the round and reports one that throws', async () => {
    const { got, listeners, byIndex, errors, fanOut } = setup(40);
    listeners.add(() => {
      throw new Error('boom');
    });
    fanOut.send('a');
    listeners.delete(byIndex[30]!);
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(got[30]).toEqual([]);
    expect(reached(got, 'a')).toBe(39);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('stop drops the round in progress', async () => {
    const { got, fanOut } = setup(40);
    fanOut.send('a');
    fanOut.stop();
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(reached(got, 'a')).toBe(16);
  });
});
