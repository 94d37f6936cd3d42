import { PERIODS, resolveRange, type CommonQueryValues, type Period, type ResolvedRange } from '../api/monitor/params.js';

const DAY = PERIODS['1d'];
const WEEK = PERIODS['1w'];

/** An export's default step: fine enough for analysis, within MAX_POINTS per series for every period. */
export function defaultExportStep(spanMs: number): string {
  if (spanMs <= DAY) return '1m';
  if (spanMs <= WEEK) return '5m';
  return '15m';
}

/**
 * Moves the start down onto the step grid (multiples of the step since the
 * epoch), as shared/query/range.ts does: the store's rollup buckets sit on
 * that grid, and a bucket that starts before the range is left out, so a 1 h
 * step starting at 16:54 would lose 16:54-17:00 of the 16:00 bucket.
 */
export function alignStart(r: ResolvedRange): ResolvedRange {
  return { ...r, start: Math.floor(r.start / r.step) * r.step };
}

/**
 * The range of an export request: as resolveRange (period 1h by default),
 * with a step chosen from the range's length when none is given; the start
 * aligned to the step.
 */
export function exportRange(q: CommonQueryValues, now = Date.now()): ResolvedRange {
  if (q.step !== undefined) return alignStart(resolveRange(q, { period: '1h', step: q.step }, now));
  // The coarsest step cannot fail the points check, so this only measures the span.
  const probe = resolveRange({ ...q, step: '1d' }, { period: '1h', step: '1d' }, now);
  return alignStart(resolveRange(q, { period: '1h', step: defaultExportStep(probe.end - probe.start) }, now));
}

/** A report's range: its template's period ending at `end_time` or now, at the template's step, start aligned. */
export function reportRange(period: Period, step: string, endTime: string | undefined, now = Date.now()): ResolvedRange {
  return alignStart(resolveRange({ period, end_time: endTime, step }, { period, step }, now));
}
