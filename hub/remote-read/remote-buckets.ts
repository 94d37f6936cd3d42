import type { Labels } from '../../shared/schema/message.js';
import type { Bucket } from '../../shared/query/types.js';
import type { MatrixSeries } from '../prometheus/client.js';
import type { RemoteField } from './promql.js';

/** One remote series: its labels (without __name__) and its step buckets by step start. */
export interface RemoteSeries {
  labels: Labels;
  buckets: Map<number, Bucket>;
}

/** The identity of a series across stores: its labels, sorted (the remote store has the local labels plus __name__). */
export function seriesKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => k !== '__name__')
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * A step of a remote series as the engine's bucket. Fields not asked for are
 * NaN: the aggregation that runs reads only the ones it asked for
 * (FIELDS_FOR). `first` is `last`: inside a step the remote store gives
 * no first sample, so a counter's growth is the delta between the last
 * values of consecutive steps (engine.ts toSteps' boundary delta).
 */
function emptyBucket(ts: number): Bucket {
  return { ts, min: NaN, max: NaN, sum: NaN, count: NaN, first: NaN, last: NaN, increase: 0 };
}

/**
 * Adds one `<field>_over_time` answer to the series of a metric. Its points
 * are stamped at the evaluation time T = t + step (promql.ts overTime): the
 * bucket is t. Non-finite values (a NaN sample) are kept as the store said.
 */
export function addField(into: Map<string, RemoteSeries>, field: RemoteField, answer: readonly MatrixSeries[], step: number): void {
  for (const s of answer) {
    const key = seriesKey(s.labels);
    let series = into.get(key);
    if (!series) {
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== '__name__'));
      into.set(key, (series = { labels, buckets: new Map() }));
    }
    for (const p of s.points) {
      const ts = p.ts - step;
      let b = series.buckets.get(ts);
      if (!b) series.buckets.set(ts, (b = emptyBucket(ts)));
      b[field] = p.value;
      if (field === 'last') b.first = p.value;
    }
  }
}
