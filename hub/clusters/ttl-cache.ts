/** Counts what the cache did (cache_hits_total / cache_misses_total). */
export interface CacheCounters {
  hit(): void;
  miss(): void;
}

/**
 * Answers of a slow source (a cluster's Prometheus) reused for `ttlMs`.
 * Concurrent callers of one key share one load; a failed load is not kept,
 * so the next caller asks again.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly counters: CacheCounters,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    const held = this.entries.get(key);
    if (held && this.now() - held.at < this.ttlMs) {
      this.counters.hit();
      return { value: await held.value, hit: true };
    }
    this.counters.miss();
    const value = load();
    if (this.ttlMs > 0) this.entries.set(key, { at: this.now(), value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return { value: await value, hit: false };
  }
}
