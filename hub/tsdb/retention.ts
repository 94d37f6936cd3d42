import { DAY, TIERS, type Tier } from './options.js';

/** For each tier, blocks starting before this time are entirely expired. */
export type RetentionPlan = Record<Tier, number>;

/** Span of the blocks each tier is stored in: raw chunks and 1 m blocks per chunk window, 1 h blocks per day. */
export function blockSpan(tier: Tier, chunkWindow: number): number {
  return tier === '1h' ? DAY : chunkWindow;
}

/**
 * What retention deletes at `now`: a block [start, start + span) goes once
 * its end is older than the tier's retention, so a tier always holds at
 * least its retention. Decides only; the store deletes (as Prometheus'
 * `BeyondTimeRetention` does).
 */
export function retentionPlan(retention: Record<Tier, number>, chunkWindow: number, now: number): RetentionPlan {
  const plan = {} as RetentionPlan;
  for (const tier of TIERS) {
    const span = blockSpan(tier, chunkWindow);
    // start + span <= now - keep  <=>  start < alignDown(now - keep, span), for aligned starts.
    plan[tier] = Math.floor((now - retention[tier]) / span) * span;
  }
  return plan;
}
