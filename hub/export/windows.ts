export interface StepWindow {
  /** First step start of the window (ms), on the export's step grid. */
  start: number;
  /** Exclusive. */
  end: number;
}

/** One raw chunk of the store: bench/export.ts measured 2 h windows at +750 MiB peak RSS for 512 GPUs at 15 s, 1 h at +340 MiB and the same speed. */
const WINDOW_MS = 3_600_000;

/**
 * Steps per query window: about an hour, at least 32 steps. Exports read
 * the store one window at a time, so memory holds one window of rows,
 * whatever the range.
 */
export function windowSteps(step: number): number {
  return Math.max(32, Math.ceil(WINDOW_MS / step));
}

/** Splits [start, end) into windows of whole steps, aligned on start's step grid. */
export function* stepWindows(start: number, end: number, step: number, steps = windowSteps(step)): Generator<StepWindow> {
  const span = step * steps;
  for (let s = start; s < end; s += span) yield { start: s, end: Math.min(s + span, end) };
}
