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
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly head: Head) {}

  /** Buckets of the series' head samples in [window, window + span) at `resolution`. */
  get(id: number, window: number, span: number, resolution: number, isCounter: boolean): Bucket[] {
    const key = `${id}/${window}/${resolution}`;
    const rewrite = this.head.rewriteStamp(id);
    const hit = this.cache.get(key);
    let kept: Bucket[] = [];
    let from = window;
    if (hit && hit.rewrite === rewrite && hit.buckets.length > 0) {
      kept = hit.buckets.slice(0, -1);
      from = hit.buckets[hit.buckets.length - 1]!.ts;
    }
    const slice = this.head.slice(id, from, window + span);
    const buckets = slice ? kept.concat(computeBuckets(slice.ts, slice.values, slice.from, slice.to, resolution, isCounter)) : kept;
    this.cache.set(key, { rewrite, buckets });
    return buckets;
  }

  /** Forgets a window once it is sealed (its buckets now come from its rollup blocks). */
  dropWindow(window: number): void {
    for (const key of this.cache.keys()) if (key.split('/')[1] === String(window)) this.cache.delete(key);
  }
}
