import type { SampleRow } from '../ingest/types.js';
import type { Tsdb } from '../tsdb/store.js';

/** The newest sample of one series; labels include `node` and `cluster`. */
export interface LatestSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  ts: number;
  value: number;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  return n === Object.keys(b).length;
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
  private readonly byMetric = new Map<string, Map<string, LatestSample>>();
  /**
   * Sorted labels, computed once per store series: keying the labels of
   * every row was 7 % of the hub's ingest CPU in bench/ingest.ts, and every
   * ingested row (and the seed) carries the store's series id. The cached
   * labels are compared (no sort, no string) because the store may give a
   * dropped series' id to a new one. A row without an id (a test's bus
   * event) keys the same way, through its labels.
   */
  private readonly keyById = new Map<number, { key: string; labels: Readonly<Record<string, string>> }>();

  private keyOf(row: SampleRow): string {
    if (row.seriesId === undefined) return canonicalKey(row.labels);
    const held = this.keyById.get(row.seriesId);
    if (held && sameLabels(held.labels, row.labels)) return held.key;
    const key = canonicalKey(row.labels);
    this.keyById.set(row.seriesId, { key, labels: row.labels });
    return key;
  }

  update(rows: readonly SampleRow[]): void {
    for (const row of rows) {
      let series = this.byMetric.get(row.metric);
      if (!series) this.byMetric.set(row.metric, (series = new Map()));
      const key = this.keyOf(row);
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
    for (const [id, held] of this.keyById) if (held.labels.node === node) this.keyById.delete(id);
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
