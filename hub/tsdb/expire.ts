import { transactionRunner } from '../core/transaction-runner.js';
import { TIERS } from './options.js';
import type { StoreParts } from './parts.js';
import { retentionPlan } from './retention.js';
import { discardWindow } from './seal.js';
import { drain, STEP_EXPIRE_COLUMNS, STEP_EXPIRE_SERIES, STEP_VACUUM_PAGES, type MaintenanceStep } from './steps.js';

export interface RetentionResult {
  /** Blocks deleted, all tiers. */
  blocks: number;
  /** Timestamp columns deleted with their window. */
  timestampColumns: number;
  /** Head windows discarded (older than raw retention, never sealed). */
  headWindows: number;
  /** Series left without any data, removed from the series table. */
  series: number;
}

/** Applies retention at once, holding the thread (tests, benches). The hub runs retentionSteps sliced. */
export function applyRetention(parts: StoreParts, now: number): RetentionResult {
  return drain(retentionSteps(parts, now));
}

/**
 * Applies retentionPlan in bounded steps (steps.ts): deletes expired blocks
 * of every tier a few series at a time, discards expired head windows,
 * drops series with nothing left, and hands the freed pages back to the
 * file system (incremental vacuum, a few hundred pages a step). Each step
 * commits on its own; a read between steps may still find blocks that a
 * later step deletes (they are past retention), never a partial block.
 */
export function* retentionSteps(parts: StoreParts, now: number): Generator<MaintenanceStep, RetentionResult> {
  const { db, opts, series, head, log, blocks, timestamps } = parts;
  const plan = retentionPlan(opts.retention, opts.chunkWindow, now);
  const inTransaction = transactionRunner(db);
  const result: RetentionResult = { blocks: 0, timestampColumns: 0, headWindows: 0, series: 0 };
  // Series created while this runs have fresh data: only those known now are candidates.
  const ids = [...series.ids()];

  for (let i = 0; i < ids.length; i += STEP_EXPIRE_SERIES) {
    const batch = ids.slice(i, i + STEP_EXPIRE_SERIES);
    inTransaction(() => {
      for (const id of batch) for (const tier of TIERS) result.blocks += blocks.expire(tier, id, plan[tier]);
    });
    yield { task: 'expire', series: batch.length };
  }

  // Every chunk of a window before plan.raw is gone now (the steps above, for every series there is; a seal
  // never writes such a window), and a column belongs to one window: none of these is referred to any more.
  for (;;) {
    const columns = timestamps.expire(plan.raw, STEP_EXPIRE_COLUMNS);
    if (columns === 0) break;
    result.timestampColumns += columns;
    yield { task: 'expire-timestamps', columns };
  }

  // Writes older than raw retention are rejected, so nothing new arrives in these windows meanwhile.
  for (const w of log.windows().filter((w) => w < plan.raw)) {
    yield* discardWindow(parts, w);
    result.headWindows++;
  }

  for (let i = 0; i < ids.length; i += STEP_EXPIRE_SERIES) {
    const batch = ids.slice(i, i + STEP_EXPIRE_SERIES);
    let forget = () => {};
    // Checked and dropped in one turn: a write cannot give the series data in between.
    inTransaction(() => {
      const empty = batch.filter((id) => TIERS.every((t) => !blocks.has(t, id)) && !head.has(id, plan.raw));
      forget = series.drop(empty);
      result.series += empty.length;
    });
    forget();
    yield { task: 'drop-empty', series: batch.length };
  }

  // Bounded by the free pages found now: pages freed meanwhile wait for the next run.
  let left = db.pragma('freelist_count', { simple: true }) as number;
  while (left > 0) {
    const pages = Math.min(left, STEP_VACUUM_PAGES);
    db.pragma(`incremental_vacuum(${pages})`);
    left -= pages;
    yield { task: 'vacuum', pages };
  }
  return result;
}
