import { parseDuration } from '../duration.js';

export interface RangeInput {
  /** Range ending at `end` (default now): `15m`, `1h`, `24h`. Ignored when `start` is given. */
  since?: string;
  start?: string;
  end?: string;
  step?: string;
}

export interface ResolvedRange {
  /** Inclusive, aligned down to a multiple of `step`. */
  start: number;
  /** Exclusive. */
  end: number;
  step: number;
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
 * of 1-minute rollups) line up on the same boundaries.
 */
export function resolveRange(input: RangeInput, now = Date.now()): ResolvedRange {
  const step = parseDuration(input.step ?? '1m');
  if (step <= 0) throw new Error('step must be greater than zero');
  const end = input.end ? parseTime(input.end, 'end') : now;
  const start = input.start ? parseTime(input.start, 'start') : end - parseDuration(input.since ?? '1h');
  if (start >= end) throw new Error('start must be before end');
  if ((end - start) / step > MAX_STEPS) throw new Error(`too many steps (over ${MAX_STEPS}): use a larger step`);
  return { start: Math.floor(start / step) * step, end, step };
}
