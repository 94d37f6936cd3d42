/**
 * A reading that is expensive or may hang (statfs(2) on a dead NFS mount), taken
 * at most every `everyMs`, never twice at once, and waited for at most
 * `waitMs`: a late answer is kept and handed out by the next `take`, so a
 * slow source costs its own freshness, not the other host readings.
 */
export class SlowReading<T> {
  private inFlight: Promise<void> | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;
  private ready: T | undefined;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly opts: { everyMs: number; waitMs: number; onError: (err: Error) => void },
  ) {}

  /** A reading not handed out before, or undefined when none is due or it is still running. */
  async take(now: number): Promise<T | undefined> {
    if (!this.inFlight && now - this.lastStart >= this.opts.everyMs) {
      this.lastStart = now;
      this.inFlight = this.fetch().then(
        (value) => {
          this.ready = value;
        },
        (err: unknown) => this.opts.onError(err as Error),
      ).finally(() => {
        this.inFlight = null;
      });
    }
    if (this.inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((resolve) => (timer = setTimeout(resolve, this.opts.waitMs)))]);
      clearTimeout(timer);
    }
    const value = this.ready;
    this.ready = undefined;
    return value;
  }
}
