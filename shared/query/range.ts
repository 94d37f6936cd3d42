import { parseDuration } from '../duration.js';

export interface RangeInput {
  since?: string;
  start?: string;
  end?: string;
  step?: string;
}

/** Parses an ISO 8601 time or epoch milliseconds. */
export function parseTime(text: string, name: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new Error(`invalid ${name} "${text}": use ISO 8601 (2026-11-23T10:00:00Z) or epoch milliseconds`);
  return n;
}

/**
 * Resolves --since/--start/--end/--step into an aligned [start, end) range.
 * Start is aligned down to the step so steps of different queries line up.
 */
export function resolveRange(input: RangeInput, now = Date.now()): { start: number; end: number; step: number } {
  const step = parseDuration(input.step ?? '1m');
  if (step <= 0) throw new Error('step must be greater than zero');
  const end = input.end ? parseTime(input.end, 'end') : now;
  const start = input.start ? parseTime(input.start, 'start') : end - parseDuration(input.since ?? '1h');
  if (start >= end) throw new Error('start must be before end');
  if ((end - start) / step > 100_000) throw new Error('too many steps (over 100000): use a larger step');
  return { start: Math.floor(start / step) * step, end, step };
}
