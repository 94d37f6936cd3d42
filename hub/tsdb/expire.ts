import { TIERS } from './options.js';
import type { StoreParts } from './parts.js';
import { retentionPlan } from './retention.js';

export interface RetentionResult {
  /** Blocks deleted, all tiers. */
  blocks: number;
  /** Head windows discarded (older than raw retention, never sealed). */
  headWindows: number;
  /** Series left without any data, removed from the series table. */
  series: number;
}

/**
 * Applies retentionPlan: deletes expired blocks of every tier, expired head
 * windows, then series with nothing left, and hands the freed pages back to
 * the file system (incremental vacuum).
 */
export function applyRetention(parts: StoreParts, now: number): RetentionResult {
  const { db, opts, series, head, log, blocks } = parts;
  const plan = retentionPlan(opts.retention, opts.chunkWindow, now);
  const result: RetentionResult = { blocks: 0, headWindows: 0, series: 0 };
  const expiredWindows = log.windows().filter((w) => w < plan.raw);
  let forgetSeries = () => {};
  db.transaction(() => {
    const empty: number[] = [];
    for (const id of series.ids()) {
      for (const tier of TIERS) result.blocks += blocks.expire(tier, id, plan[tier]);
    }
    for (const w of expiredWindows) log.drop(w);
    for (const id of series.ids()) {
      if (TIERS.every((t) => !blocks.has(t, id)) && !head.has(id, plan.raw)) empty.push(id);
    }
    forgetSeries = series.drop(empty);
    result.series = empty.length;
  })();
  forgetSeries();
  const W = opts.chunkWindow;
  for (const w of expiredWindows) {
    for (const id of head.seriesIn(w, w + W)) head.remove(id, w, w + W);
    log.forget(w);
  }
  result.headWindows = expiredWindows.length;
  db.pragma('incremental_vacuum');
  return result;
}
