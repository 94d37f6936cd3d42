/**
 * Group commit: items submitted within `windowMs` of the first one are
 * committed together by one `commit` call (one SQLite transaction, one WAL
 * sync instead of one per message); then every submitter's promise settles.
 * A window of 0 groups what arrives within the same turn of the event loop.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: Error) => void }[] = [];
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly commit: (items: T[]) => R[],
    private readonly opts: { windowMs: number; maxItems: number },
  ) {}

  /** Queues an item; resolves with its result after the commit that includes it. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.opts.maxItems) this.flush();
      else if (!this.cancelTimer) this.schedule();
    });
  }

  private schedule(): void {
    if (this.opts.windowMs > 0) {
      const t = setTimeout(() => this.flush(), this.opts.windowMs);
      this.cancelTimer = () => clearTimeout(t);
    } else {
      const t = setImmediate(() => this.flush());
      this.cancelTimer = () => clearImmediate(t);
    }
  }

  /** Commits what is queued now (also used on shutdown). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let results: R[];
    try {
      results = this.commit(batch.map((b) => b.item));
    } catch (err) {
      for (const b of batch) b.reject(err as Error);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]!));
  }

  /** Items waiting for the next commit. */
  get pending(): number {
    return this.queue.length;
  }
}
