/** Gives a slot back; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/**
 * Bounds the exports the hub runs at once: each streams from the store and
 * holds its writer's buffers (tens of MiB for excel and parquet), so twenty
 * at once took the hub to 1.4 GB. Up to `running` run, up to `queued` more
 * wait their turn in arrival order, and beyond that `acquire` answers null
 * (the route's 429 with Retry-After), so memory stays bounded whatever
 * clients do.
 */
export class ExportSlots {
  private active = 0;
  private readonly waiting: ((release: ReleaseSlot) => void)[] = [];

  constructor(
    private readonly running: number,
    private readonly queued: number,
  ) {}

  /** A slot now or once one frees up; null when the queue is full too. */
  acquire(): Promise<ReleaseSlot> | null {
    if (this.active < this.running) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.queued) return null;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Exports running and waiting now (for tests and status). */
  get load(): { running: number; queued: number } {
    return { running: this.active, queued: this.waiting.length };
  }

  private releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line: `active` stays the same.
      if (next) next(this.releaser());
      else this.active--;
    };
  }
}
