import { describe, expect, it } from 'vitest';
import { RowSets } from '../../../agent/collectors/row-sets.js';

describe('RowSets', () => {
  it('closes a set when a key repeats, and on a pause', async () => {
    const sets: string[][] = [];
    const g = new RowSets<string>((r) => r.split(':')[0]!, 30, (rows) => sets.push(rows));
    for (const r of ['0:a', '1:a', '0:b', '1:b']) g.push(r);
    expect(sets).toEqual([['0:a', '1:a']]);
    await new Promise((r) => setTimeout(r, 60));
    expect(sets).toEqual([['0:a', '1:a'], ['0:b', '1:b']]);
  });

  it('flushes on demand and ignores an empty flush', () => {
    const sets: number[][] = [];
    const g = new RowSets<number>(String, 1000, (rows) => sets.push(rows));
    g.flush();
    g.push(7);
    g.flush();
    expect(sets).toEqual([[7]]);
  });
});
