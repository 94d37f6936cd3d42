import { parseDuration } from '../duration.js';

export interface RangeInput {
  /** Range ending at `end` (default now): `15m`, `1h`, `24h`. Ignored when `start` is given. */
  since?: string;
  start?: string;
  end?: string;
  step?: string;
  /** Which end of its step a point is stamped with (ALIGNMENTS); default start. */
  align?: Alignment;
}

/**
 * How a point is stamped. kcloud's own (`start`): the step [t, t + step)
 * is labelled t, as its rollup buckets are. PromQL's (`end`): a range query
 * evaluated at T reads (T - step, T] and labels it T, so the same chart
 * drawn both ways is one step apart; with `end` a kcloud point is stamped T
 * for the samples of [T - step, T), the window PromQL's
 * `<fn>_over_time(m[step] offset 1ms)` selects for millisecond timestamps.
 */
export const ALIGNMENTS = ['start', 'end'] as const;
export type Alignment = (typeof ALIGNMENTS)[number];

export interface ResolvedRange {
  /** Inclusive, aligned down to a multiple of `step`. */
  start: number;
  /** Exclusive. */
  end: number;
  step: number;
  /** Set (to `end`) only for PromQL's stamping; points are then stamped start + step ... end. */
  align?: 'end';
}

/** More steps than this is a mistake (`--since 7d --step 1s`), not a query. */
const MAX_STEPS = 100_000;

/** Parses an ISO 8601 time or epoch milliseconds. */
export function parseTime(text: string, name: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    // 1732356000 is November 2024 in seconds but January 1970 in ms: almost surely a unit mix-up.
    if (n < 1e11) throw new Error(`invalid ${name} "${text}": epoch times are in milliseconds (${text}000?)`);
    return n;
  }
  const n = Date.parse(text);
  if (!Number.isFinite(n)) throw new Error(`invalid ${name} "${text}": use ISO 8601 (2026-11-23T10:00:00Z) or epoch milliseconds`);
  return n;
}

/**
 * Resolves --since/--start/--end/--step into an aligned [start, end) range.
 * Start is aligned down to the step, so the steps of repeated queries (and
 * of 1-minute rollups) line up on the same boundaries. With align `end`,
 * start and end are the first and last stamps asked for, as in a PromQL
 * query_range: the points are the step ends T on the step grid within
 * [start, end], and the range returned holds their samples,
 * [first T - step, last T).
 */
export function resolveRange(input: RangeInput, now = Date.now()): ResolvedRange {
  const step = parseDuration(input.step ?? '1m');
  if (step <= 0) throw new Error('step must be greater than zero');
  const end = input.end ? parseTime(input.end, 'end') : now;
  const start = input.start ? parseTime(input.start, 'start') : end - parseDuration(input.since ?? '1h');
  if (start >= end) throw new Error('start must be before end');
  if ((end - start) / step > MAX_STEPS) throw new Error(`too many steps (over ${MAX_STEPS}): use a larger step`);
  if (input.align === 'end') {
    const first = Math.ceil(start / step) * step;
    const last = Math.floor(end / step) * step;
    if (first > last) throw new Error(`no step ends between start and end: with align end, the range must hold a multiple of the step`);
    return { start: first - step, end: last, step, align: 'end' };
  }
  return { start: Math.floor(start / step) * step, end, step };
}
