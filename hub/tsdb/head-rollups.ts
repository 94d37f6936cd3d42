import type { Bucket } from '../../shared/query/types.js';
import type { Head } from './head.js';
import { computeBuckets } from './rollup.js';

interface Entry {
  rewrite: number;
  buckets: Bucket[];
}

/**
 * Rollup buckets of head windows that have no chunk (the live window),
 * kept between queries. Samples only get appended there, which leaves every
 * bucket but the newest as it was: a dashboard refreshing "last hour at
 * 1 m" recomputes one bucket per series instead of 3600 samples. Any other
 * change to the series (out-of-order insert, removal) changes its rewrite
 * stamp and the entry is rebuilt whole.
 */
export class HeadRollups {
  /** Window start -> `${series id}/${resolution}` -> entry: a sealed window is forgotten in one delete, not a scan of every key. */
  private readonly cache = new Map<number, Map<string, Entry>>();

  constructor(private readonly head: Head) {}

  /** Buckets of the series' head samples in [window, window + span) at `resolution`. */
  get(id: number, window: number, span: number, resolution: number, isCounter: boolean): Bucket[] {
    let entries = this.cache.get(window);
    if (!entries) this.cache.set(window, (entries = new Map()));
    const key = `${id}/${resolution}`;
    const rewrite = this.head.rewriteStamp(id);
    const hit = entries.get(key);
    let kept: Bucket[] = [];
    let from = window;
    if (hit && hit.rewrite === rewrite && hit.buckets.length > 0) {
      kept = hit.buckets.slice(0, -1);
      from = hit.buckets[hit.buckets.length - 1]!.ts;
    }
    const slice = this.head.slice(id, from, window + span);
    const buckets = slice ? kept.concat(computeBuckets(slice.ts, slice.values, slice.from, slice.to, resolution, isCounter)) : kept;
    entries.set(key, { rewrite, buckets });
    return buckets;
  }

  /** Forgets a window once it is sealed (its buckets now come from its rollup blocks). */
  dropWindow(window: number): void {
    this.cache.delete(window);
  }
}
