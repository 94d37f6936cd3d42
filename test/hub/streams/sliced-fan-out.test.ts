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

  it('a newer value takes over where the round stopped: those not reached get only it, first; those reached get it after', async () => {
    const { got, fanOut } = setup(40);
    fanOut.send('a');
    fanOut.send('b');
    expect(got.slice(16, 32).every((g) => g.join() === 'b')).toBe(true);
    expect(got.slice(0, 16).every((g) => g.join() === 'a')).toBe(true);
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(got.slice(0, 16).every((g) => g.join() === 'a,b')).toBe(true);
    expect(got.slice(16).every((g) => g.join() === 'b')).toBe(true);
  });

  it('reaches every listener while a newer value comes every turn', async () => {
    const { got, fanOut } = setup(40);
    for (let i = 0; i < 6; i++) {
      fanOut.send(`v${i}`);
      await nextTurn();
    }
    expect(got.every((g) => g.length > 0)).toBe(true);
    // Each listener's values arrive in order: a listener is never handed an older value after a newer one.
    for (const g of got) expect(g).toEqual([...g].sort());
  });

  it('a listener that sends a newer value ends the round it was called from', async () => {
    const got: string[][] = [[], [], []];
    const listeners = new Set<(v: string) => void>();
    const fanOut = new SlicedFanOut(listeners, (err) => {
      throw err;
    });
    listeners.add((v) => void got[0]!.push(v));
    listeners.add((v) => {
      got[1]!.push(v);
      if (v === 'a') fanOut.send('b');
    });
    listeners.add((v) => void got[2]!.push(v));
    fanOut.send('a');
    for (let i = 0; i < 3; i++) await nextTurn();
    // The third listener never saw a (b overtook it), and nobody got a value twice.
    expect(got).toEqual([['a', 'b'], ['a', 'b'], ['b']]);
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
