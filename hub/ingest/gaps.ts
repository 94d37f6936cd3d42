/**
 * A seq jump above this means the agent started a fresh outbox: its seq
 * restarts at Date.now() (agent/outbox/outbox.ts), ~1.7e12, while an outbox
 * advances by about one per second, so a restart jumps by roughly the
 * milliseconds since the old outbox was created. Such a jump is not loss.
 */
export const NEW_OUTBOX_JUMP = 1_000_000;

export interface SeqState {
  lastSeq: number | null;
  /** Forward jumps by more than one within an outbox lifetime. */
  gaps: number;
  /** Seqs skipped by those jumps and not back-filled since. */
  missing: number;
}

/**
 * Advances a node's seq state by one newly stored (not duplicate) seq.
 * After an outage the agent sends live batches first and the backlog after
 * (agent/publish/publisher.ts), so a gap opens and then fills: `gaps` counts
 * the jump, `missing` returns to 0 when every seq arrived.
 */
export function advanceSeq(s: SeqState, seq: number): SeqState {
  if (s.lastSeq === null) return { ...s, lastSeq: seq };
  if (seq > s.lastSeq) {
    const jump = seq - s.lastSeq;
    if (jump === 1) return { ...s, lastSeq: seq };
    if (jump > NEW_OUTBOX_JUMP) return { ...s, lastSeq: seq, missing: 0 };
    return { lastSeq: seq, gaps: s.gaps + 1, missing: s.missing + jump - 1 };
  }
  // Below the highest seq: a back-filled batch, unless it belongs to an older outbox.
  if (s.lastSeq - seq < NEW_OUTBOX_JUMP && s.missing > 0) return { ...s, missing: s.missing - 1 };
  return s;
}
