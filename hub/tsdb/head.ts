import { placeAt } from '../../shared/dense-slots.js';
import { lowerBound } from './lower-bound.js';

/** A slice [from, to) of one series' head arrays; valid until the head changes. */
export interface HeadSlice {
  ts: Float64Array;
  values: Float64Array;
  from: number;
  to: number;
}

/** Source of rewrite stamps, unique across series and across a series' lifetimes. */
let stamps = 0;

class SeriesHead {
  ts = new Float64Array(64);
  values = new Float64Array(64);
  n = 0;
  /** Changes on anything but an append (out-of-order insert, removal): summaries of older samples stay valid until it does. */
  rewrite = ++stamps;

  /** Index of the first sample with ts >= t. */
  lowerBound(t: number): number {
    return lowerBound(this.ts, t, 0, this.n);
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    const values = new Float64Array(this.ts.length * 2);
    ts.set(this.ts.subarray(0, this.n));
    values.set(this.values.subarray(0, this.n));
    this.ts = ts;
    this.values = values;
  }

  insert(t: number, v: number): boolean {
    if (this.n === this.ts.length) this.grow();
    if (this.n === 0 || t > this.ts[this.n - 1]!) {
      this.ts[this.n] = t;
      this.values[this.n++] = v;
      return true;
    }
    const i = this.lowerBound(t);
    if (this.ts[i] === t) return false;
    this.rewrite = ++stamps;
    // Out of order: shift the newer samples right (a backfill is rare and a head holds hours, not days).
    this.ts.copyWithin(i + 1, i, this.n);
    this.values.copyWithin(i + 1, i, this.n);
    this.ts[i] = t;
    this.values[i] = v;
    this.n++;
    return true;
  }

  removeRange(start: number, end: number): number {
    const i = this.lowerBound(start);
    const j = this.lowerBound(end);
    if (j === i) return 0;
    this.rewrite = ++stamps;
    this.ts.copyWithin(i, j, this.n);
    this.values.copyWithin(i, j, this.n);
    this.n -= j - i;
    return j - i;
  }
}

/**
 * The in-memory head: every unsealed sample, per series, sorted by time
 * (Prometheus' head, without its in-memory compression: 16 bytes a
 * sample). It answers reads of recent data and detects duplicates; the
 * head log (head-log.ts) is what makes it durable, and it is rebuilt from
 * that log on open.
 *
 * Series are held in an array indexed by series id, not a Map: ids are
 * small integers handed out in order (series.ts), and ingest touches every
 * series of the fleet each time its node reports, where a Map's hash table
 * was one more cache miss per sample. The array is as long as the highest
 * id with head samples since the store opened (8 bytes an id).
 */
export class Head {
  private readonly series: (SeriesHead | undefined)[] = [];
  private count = 0;

  /** Samples held. */
  get samples(): number {
    return this.count;
  }

  /** Adds a sample; false when the series already has one at `ts` (the first write wins). */
  insert(seriesId: number, ts: number, value: number): boolean {
    let s = this.series[seriesId];
    if (!s) placeAt(this.series, seriesId, (s = new SeriesHead()));
    const added = s.insert(ts, value);
    if (added) this.count++;
    return added;
  }

  /** The series' samples with ts in [start, end), or undefined when there are none. */
  slice(seriesId: number, start: number, end: number): HeadSlice | undefined {
    const s = this.series[seriesId];
    if (!s) return undefined;
    const from = s.lowerBound(start);
    const to = s.lowerBound(end);
    return to > from ? { ts: s.ts, values: s.values, from, to } : undefined;
  }

  /** Drops the series' samples with ts in [start, end); returns how many. */
  remove(seriesId: number, start: number, end: number): number {
    const s = this.series[seriesId];
    if (!s) return 0;
    const removed = s.removeRange(start, end);
    this.count -= removed;
    if (s.n === 0) this.series[seriesId] = undefined;
    return removed;
  }

  /** Stamp that changes whenever the series' samples change other than by appending; 0 for an empty series. */
  rewriteStamp(seriesId: number): number {
    return this.series[seriesId]?.rewrite ?? 0;
  }

  /** Whether the series has a sample at or after `from`. */
  has(seriesId: number, from: number): boolean {
    const s = this.series[seriesId];
    return s !== undefined && s.n > 0 && s.ts[s.n - 1]! >= from;
  }

  /** Series with at least one sample in [start, end), in id order. */
  seriesIn(start: number, end: number): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.series.length; id++) {
      const s = this.series[id];
      if (s && s.lowerBound(start) < s.lowerBound(end)) out.push(id);
    }
    return out;
  }
}
