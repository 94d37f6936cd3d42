/** Consecutive stored seqs of one node, [lo, hi] inclusive. */
export interface SeqRange {
  lo: number;
  hi: number;
  /** When the range last grew (ms). */
  receivedAt: number;
}

/** What adding a seq changed, for the table that mirrors the ranges. */
export type RangeChange = { op: 'insert'; range: SeqRange } | { op: 'update'; oldLo: number; range: SeqRange } | { op: 'delete'; lo: number };

/** Index of the first range starting above `seq` in sorted ranges. */
function after(ranges: readonly SeqRange[], seq: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.lo <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether `seq` lies in one of the sorted, disjoint ranges. */
export function containsSeq(ranges: readonly SeqRange[], seq: number): boolean {
  const i = after(ranges, seq);
  return i > 0 && ranges[i - 1]!.hi >= seq;
}

/**
 * Adds `seq` to sorted, disjoint, non-adjacent ranges (in place) and returns
 * the changes: it extends the range it touches, joins the two it closes the
 * gap between, or starts a range of its own. Nothing when already present.
 */
export function addSeq(ranges: SeqRange[], seq: number, now: number): RangeChange[] {
  const i = after(ranges, seq);
  const prev = ranges[i - 1];
  const next = ranges[i];
  if (prev && prev.hi >= seq) return [];
  const joinsPrev = prev !== undefined && prev.hi + 1 === seq;
  const joinsNext = next !== undefined && next.lo - 1 === seq;
  if (joinsPrev && joinsNext) {
    prev.hi = next.hi;
    prev.receivedAt = now;
    ranges.splice(i, 1);
    return [
      { op: 'delete', lo: next.lo },
      { op: 'update', oldLo: prev.lo, range: prev },
    ];
  }
  if (joinsPrev) {
    prev.hi = seq;
    prev.receivedAt = now;
    return [{ op: 'update', oldLo: prev.lo, range: prev }];
  }
  if (joinsNext) {
    const oldLo = next.lo;
    next.lo = seq;
    next.receivedAt = now;
    return [{ op: 'update', oldLo, range: next }];
  }
  const range = { lo: seq, hi: seq, receivedAt: now };
  ranges.splice(i, 0, range);
  return [{ op: 'insert', range }];
}
