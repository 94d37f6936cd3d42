/** Index of the first value >= t in sorted xs[lo, hi), or hi: the one binary search of the head and the readers. */
export function lowerBound(xs: Float64Array, t: number, lo: number, hi = xs.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
