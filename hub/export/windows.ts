export interface StepWindow {
  /** First step start of the window (ms), on the export's step grid. */
  start: number;
  /** Exclusive. */
  end: number;
}

const TWO_HOURS = 1_800_000;

/**
 * Steps per query window: about two hours (two raw chunks of the store), at
 * least 32 steps. Exports read the store one window at a time, so memory
 * holds one window of rows, whatever the range.
 */
export function windowSteps(step: number): number {
  return Math.max(32, Math.ceil(TWO_HOURS / step));
}

/** Splits [start, end) into windows of whole steps, aligned on start's step grid. */
export function* stepWindows(start: number, end: number, step: number, steps = windowSteps(step)): Generator<StepWindow> {
  const span = step * steps;
  for (let s = start; s < end; s += span) yield { start: s, end: Math.min(s + span, end) };
}
