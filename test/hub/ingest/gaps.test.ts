import { describe, expect, it } from 'vitest';
import { advanceSeq, NEW_OUTBOX_JUMP, type SeqState } from '../../../hub/ingest/gaps.js';

const run = (seqs: number[], from: SeqState = { lastSeq: null, gaps: 0, missing: 0 }) => seqs.reduce(advanceSeq, from);

describe('advanceSeq', () => {
  // Seqs as a real outbox makes them: it starts at Date.now() in ms and adds one per batch.
  const t0 = 1_763_900_000_000;

  it.each<[string, number[], SeqState]>([
    ['first batch sets the baseline', [t0], { lastSeq: t0, gaps: 0, missing: 0 }],
    ['contiguous batches', [t0, t0 + 1, t0 + 2, t0 + 3], { lastSeq: t0 + 3, gaps: 0, missing: 0 }],
    ['one jump of 3 missing batches', [t0, t0 + 1, t0 + 5], { lastSeq: t0 + 5, gaps: 1, missing: 3 }],
    ['live-first replay: the gap opens, then the backlog fills it', [t0, t0 + 4, t0 + 5, t0 + 1, t0 + 2, t0 + 3], { lastSeq: t0 + 5, gaps: 1, missing: 0 }],
    ['partly filled', [t0, t0 + 10, t0 + 3], { lastSeq: t0 + 10, gaps: 1, missing: 8 }],
    ['two jumps', [t0, t0 + 2, t0 + 5], { lastSeq: t0 + 5, gaps: 2, missing: 3 }],
    // The agent's data dir was wiped an hour later: a fresh outbox starts at the new Date.now().
    ['fresh outbox: no gap, old missing seqs forgotten', [t0, t0 + 5, t0 + 3_600_000], { lastSeq: t0 + 3_600_000, gaps: 1, missing: 0 }],
    ['a seq from an older outbox changes nothing', [t0 + 3_600_000, t0 + 3_600_001, t0 + 2], { lastSeq: t0 + 3_600_001, gaps: 0, missing: 0 }],
  ])('%s', (_name, seqs, expected) => {
    expect(run(seqs)).toEqual(expected);
  });

  it('treats a jump of exactly NEW_OUTBOX_JUMP as loss and one above as a new outbox', () => {
    expect(run([t0, t0 + NEW_OUTBOX_JUMP])).toEqual({ lastSeq: t0 + NEW_OUTBOX_JUMP, gaps: 1, missing: NEW_OUTBOX_JUMP - 1 });
    expect(run([t0, t0 + NEW_OUTBOX_JUMP + 1])).toEqual({ lastSeq: t0 + NEW_OUTBOX_JUMP + 1, gaps: 0, missing: 0 });
  });
});
