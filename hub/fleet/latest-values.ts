import type { SampleRow } from '../ingest/types.js';
import type { Tsdb } from '../tsdb/store.js';

/** The newest sample of one series; labels include `node` and `cluster`. */
export interface LatestSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  ts: number;
  value: number;
}

function canonicalKey(labels: Readonly<Record<string, string>>): string {
  let key = '';
  for (const k of Object.keys(labels).sort()) key += `${k}\u0000${labels[k]}\u0001`;
  return key;
}

/**
 * The newest value of every series, kept in memory from the ingest bus so
 * "current" answers (GPU lists, power now, streams) never read the store.
 * Backfilled samples older than what is held do not replace it.
 */
export class LatestValues {
  private readonly byMetric = new Map<string, Map<number | string, LatestSample>>();
  update(rows: readonly SampleRow[]): void {
    for (const row of rows) {
      let series = this.byMetric.get(row.metric);
      if (!series) this.byMetric.set(row.metric, (series = new Map()));
      // The store's series id when the row went through it (every ingested row, and the seed): keying the labels
      // of every row was 7 % of the hub's ingest CPU in bench/ingest.ts. Rows without one key by their sorted labels.
      const key = row.seriesId ?? canonicalKey(row.labels);
      const held = series.get(key);
      if (held && held.ts > row.ts) continue;
      series.set(key, { metric: row.metric, labels: row.labels, ts: row.ts, value: row.value });
    }
  }

  /** Newest samples of a metric whose labels match every `where` entry and that are not older than `since` ms. */
  select(metric: string, where: Readonly<Record<string, string | undefined>> = {}, since = -Infinity): LatestSample[] {
    const series = this.byMetric.get(metric);
    if (!series) return [];
    const conds = Object.entries(where).filter((e): e is [string, string] => e[1] !== undefined);
    const out: LatestSample[] = [];
    for (const s of series.values()) {
      if (s.ts < since) continue;
      if (conds.every(([k, v]) => s.labels[k] === v)) out.push(s);
    }
    return out;
  }

  /** Forgets every series of a node (removed with `kcloud-hub node remove`). */
  forgetNode(node: string): void {
    for (const series of this.byMetric.values()) {
      for (const [key, s] of series) if (s.labels.node === node) series.delete(key);
    }
  }

  /** Fills from the store: the last sample of every series of these metrics within [since, now]. */
  seed(tsdb: Tsdb, metrics: readonly string[], since: number, now: number): void {
    for (const metric of metrics) {
      for (const ref of tsdb.findSeries(metric, [])) {
        const cols = tsdb.readSamples(ref.id, since, now + 1);
        const n = cols.ts.length;
        if (n > 0) this.update([{ metric, labels: ref.labels, ts: cols.ts[n - 1]!, value: cols.values[n - 1]!, seriesId: ref.id }]);
      }
    }
  }
}
