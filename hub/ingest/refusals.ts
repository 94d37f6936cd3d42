/** Why ingest refused single samples of a stored batch (docs/security.md, "Ingest limits"). */
export const SAMPLE_REFUSAL_REASONS = [
  'future_timestamp',
  'too_old',
  'series_limit',
  'series_rate',
  'too_many_labels',
  'label_too_long',
  'bad_label_value',
] as const;
export type SampleRefusalReason = (typeof SAMPLE_REFUSAL_REASONS)[number];

export interface RefusedSamples {
  node: string;
  reason: SampleRefusalReason;
  count: number;
}

/**
 * Samples refused during one group commit, per node and reason. Adding is a
 * map update (the refusing code runs inside the commit, some of it inside
 * the store's transaction); ingest counts, logs and reports the tally once
 * the commit is over (hub/ingest/pipeline.ts).
 */
export class SampleRefusals {
  private pending = new Map<string, RefusedSamples>();

  add(node: string, reason: SampleRefusalReason, count = 1): void {
    const key = `${node}\0${reason}`;
    const held = this.pending.get(key);
    if (held) held.count += count;
    else this.pending.set(key, { node, reason, count });
  }

  /** What was refused since the last call; forgets it. */
  take(): RefusedSamples[] {
    if (this.pending.size === 0) return [];
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }
}
