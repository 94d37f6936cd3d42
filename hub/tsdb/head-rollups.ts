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
 * stamp and the entry is rebuilt whole. The newest bucket is replaced in
 * the entry's own array: readers copy what they return (query.ts joins it
 * into columns), so none holds on to it.
 */
export class HeadRollups {
  /** Window start -> resolution -> series id -> entry: a sealed window is forgotten in one delete, not a scan of every key. */
  private readonly cache = new Map<number, Map<number, Map<number, Entry>>>();

  constructor(private readonly head: Head) {}

  /** Buckets of the series' head samples in [window, window + span) at `resolution`. */
  get(id: number, window: number, span: number, resolution: number, isCounter: boolean): Bucket[] {
    let resolutions = this.cache.get(window);
    if (!resolutions) this.cache.set(window, (resolutions = new Map()));
    let entries = resolutions.get(resolution);
    if (!entries) resolutions.set(resolution, (entries = new Map()));
    const rewrite = this.head.rewriteStamp(id);
    const hit = entries.get(id);
    if (hit && hit.rewrite === rewrite && hit.buckets.length > 0) {
      // Only appends since: every bucket but the newest stands; the newest and any after it are recomputed.
      const buckets = hit.buckets;
      const slice = this.head.slice(id, buckets.pop()!.ts, window + span);
      if (slice) for (const b of computeBuckets(slice.ts, slice.values, slice.from, slice.to, resolution, isCounter)) buckets.push(b);
      return buckets;
    }
    const slice = this.head.slice(id, window, window + span);
    const buckets = slice ? computeBuckets(slice.ts, slice.values, slice.from, slice.to, resolution, isCounter) : [];
    entries.set(id, { rewrite, buckets });
    return buckets;
  }

  /** Forgets a window once it is sealed (its buckets now come from its rollup blocks). */
  dropWindow(window: number): void {
    this.cache.delete(window);
  }
}
