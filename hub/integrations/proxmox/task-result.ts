import type { TaskLogResult, TaskStatusResult } from './api-types.js';

/** How a stopped task ended: `OK`, `WARNINGS: n`, or the error text. */
export type TaskOutcome = { ok: true; warnings: number } | { ok: false; error: string };

export function taskOutcome(status: Pick<TaskStatusResult, 'exitstatus'>): TaskOutcome {
  const exit = (status.exitstatus ?? '').trim();
  if (exit === 'OK') return { ok: true, warnings: 0 };
  const warnings = /^WARNINGS: (\d+)$/.exec(exit);
  if (warnings) return { ok: true, warnings: Number(warnings[1]) };
  return { ok: false, error: exit || 'task stopped without an exit status' };
}

/** The last `count` lines of a task log, in order. */
export function lastLines(log: TaskLogResult, count: number): string[] {
  return [...log].sort((a, b) => a.n - b.n).slice(-count).map((l) => l.t);
}

/**
 * Right after a POST returns its UPID, the task may not be visible on the
 * node yet: PVE answers 400/500 "no such task" (or "unable to open file").
 * Such an answer is retried for a while, not taken as the task's failure.
 */
export function taskNotVisibleYet(message: string): boolean {
  return /no such task|unable to open file|not found/i.test(message);
}
