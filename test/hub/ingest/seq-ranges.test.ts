import { describe, expect, it } from 'vitest';
import { addSeq, containsSeq, type SeqRange } from '../../../hub/ingest/seq-ranges.js';
import { prng } from '../../helpers/prng.js';

const plain = (ranges: SeqRange[]) => ranges.map((r) => [r.lo, r.hi]);

describe('seq ranges', () => {
  it('extends, joins and starts ranges, and reports each change', () => {
    const r: SeqRange[] = [];
    expect(addSeq(r, 10, 1)).toEqual([{ op: 'insert', range: { lo: 10, hi: 10, receivedAt: 1 } }]);
    expect(addSeq(r, 11, 2)).toEqual([{ op: 'update', oldLo: 10, range: { lo: 10, hi: 11, receivedAt: 2 } }]);
    expect(addSeq(r, 14, 3)).toEqual([{ op: 'insert', range: { lo: 14, hi: 14, receivedAt: 3 } }]);
    expect(addSeq(r, 13, 4)).toEqual([{ op: 'update', oldLo: 14, range: { lo: 13, hi: 14, receivedAt: 4 } }]);
    expect(addSeq(r, 11, 5)).toEqual([]);
    expect(plain(r)).toEqual([
      [10, 11],
      [13, 14],
    ]);
    // Closing the gap joins both: the upper row goes, the lower one grows.
    expect(addSeq(r, 12, 6)).toEqual([
      { op: 'delete', lo: 13 },
      { op: 'update', oldLo: 10, range: { lo: 10, hi: 14, receivedAt: 6 } },
    ]);
    expect(plain(r)).toEqual([[10, 14]]);
    expect([9, 10, 12, 14, 15].map((s) => containsSeq(r, s))).toEqual([false, true, true, true, false]);
  });

  it('holds exactly the seqs added, in any order (against a Set)', () => {
    const rand = prng(7);
    for (let round = 0; round < 50; round++) {
      const ranges: SeqRange[] = [];
      const seen = new Set<number>();
      for (let i = 0; i < 300; i++) {
        const seq = 1000 + Math.floor(rand() * 400);
        const changes = addSeq(ranges, seq, i);
        expect(changes.length === 0).toBe(seen.has(seq));
        seen.add(seq);
      }
      for (let s = 990; s < 1410; s++) expect(containsSeq(ranges, s)).toBe(seen.has(s));
      // Sorted, disjoint and never adjacent (adjacent ranges would have been joined).
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.lo).toBeGreaterThan(ranges[i - 1]!.hi + 1);
    }
  });
});
