/**
 * Restart delays for a child process that keeps dying: 1 s doubling to 60 s,
 * back to 1 s once a run has stayed up for a minute.
 */
export class Backoff {
  private delay: number;

  constructor(
    private readonly minMs = 1000,
    private readonly maxMs = 60_000,
    private readonly healthyMs = 60_000,
  ) {
    this.delay = minMs;
  }

  /** The delay before the next restart, given how long the last run lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= this.healthyMs) this.delay = this.minMs;
    const d = this.delay;
    this.delay = Math.min(this.maxMs, this.delay * 2);
    return d;
  }
}
