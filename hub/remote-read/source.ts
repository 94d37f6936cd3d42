import { matchesAll } from '../../shared/query/matchers.js';
import type { Bucket, Matcher, SeriesRef, SeriesSource } from '../../shared/query/types.js';
import { seriesKey, type RemoteSeries } from './remote-buckets.js';

/**
 * A SeriesSource that answers steps before `cut` from series read from the
 * remote store beforehand, and the rest from the local store, so the shared
 * engine (and everything built on it) runs unchanged over both. A series is
 * the same in both stores when its labels are; one only the remote store
 * has gets a negative id.
 */
export class SplitSource implements SeriesSource {
  /** Series id -> the remote series of the same metric and labels, when the remote store has it. */
  private readonly remoteOf = new Map<number, RemoteSeries>();
  /** `metric` + series key -> the id given to a series only the remote store has. */
  private readonly remoteIds = new Map<string, number>();

  constructor(
    private readonly local: SeriesSource,
    /** metric -> series key -> series. */
    private readonly remote: ReadonlyMap<string, ReadonlyMap<string, RemoteSeries>>,
    readonly cut: number,
  ) {}

  findSeries(metric: string, matchers: readonly Matcher[]): SeriesRef[] {
    const remote = this.remote.get(metric) ?? new Map<string, RemoteSeries>();
    const refs = this.local.findSeries(metric, matchers);
    const seen = new Set<string>();
    for (const r of refs) {
      const key = seriesKey(r.labels);
      seen.add(key);
      const s = remote.get(key);
      if (s) this.remoteOf.set(r.id, s);
    }
    for (const [key, s] of remote) {
      if (seen.has(key) || !matchesAll(s.labels, matchers)) continue;
      const name = `${metric}\n${key}`;
      let id = this.remoteIds.get(name);
      if (id === undefined) {
        id = -(this.remoteIds.size + 1);
        this.remoteIds.set(name, id);
        this.remoteOf.set(id, s);
      }
      refs.push({ id, metric, labels: s.labels });
    }
    return refs;
  }

  readBuckets(seriesId: number, start: number, end: number, step: number): Bucket[] {
    const out: Bucket[] = [];
    const remote = this.remoteOf.get(seriesId);
    const remoteEnd = Math.min(end, this.cut);
    if (remote && start < remoteEnd) {
      for (const b of [...remote.buckets.values()].sort((a, b) => a.ts - b.ts)) if (b.ts >= start && b.ts < remoteEnd) out.push(b);
    }
    if (seriesId >= 0 && end > this.cut) out.push(...this.local.readBuckets(seriesId, Math.max(start, this.cut), end, step));
    return out;
  }
}
