import { placeAt } from '../../shared/dense-slots.js';
import type { SampleRow } from '../ingest/types.js';
import type { Tsdb } from '../tsdb/store.js';

/** The newest sample of one series; labels include `node` and `cluster`. */
export interface LatestSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  ts: number;
  value: number;
}

function canonicalKey(metric: string, labels: Readonly<Record<string, string>>): string {
  let key = metric;
  for (const k of Object.keys(labels).sort()) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}

/**
 * The newest value of every series, kept in memory from the ingest bus so
 * "current" answers (GPU lists, power now, streams) never read the store.
 * Keyed by the store's series id, which names one series for the life of
 * the store (hub/tsdb/series.ts); each held record is updated in place, so
 * a sample costs a Map lookup and no allocation (keying by sorted labels and
 * a new record per sample were 10 % of the hub's ingest CPU in
 * bench/ingest.ts). The store's ids are dense from 1, so they index an
 * array (a Map lookup per sample was 3 % of the hub's ingest CPU; the tsdb
 * head does the same, docs/decisions.md). Rows without a store id (read from
 * a Prometheus, or a test's) get a negative one here, keyed by their sorted
 * labels, held in a Map; a series should come always with or always without
 * its id. Backfilled samples older than what is held do not replace it.
 */
export class LatestValues {
  private readonly byStoreId: (LatestSample | undefined)[] = [];
  private readonly byLocalId = new Map<number, LatestSample>();
  private readonly byMetric = new Map<string, Map<number, LatestSample>>();
  private readonly localIds = new Map<string, number>();

  private idOf(row: SampleRow): number {
    if (row.seriesId !== undefined) return row.seriesId;
    const key = canonicalKey(row.metric, row.labels);
    let id = this.localIds.get(key);
    if (id === undefined) this.localIds.set(key, (id = -1 - this.localIds.size));
    return id;
  }

  update(rows: readonly SampleRow[]): void {
    for (const row of rows) {
      const id = this.idOf(row);
      const held = id >= 0 ? this.byStoreId[id] : this.byLocalId.get(id);
      if (held) {
        if (row.ts >= held.ts) {
          held.ts = row.ts;
          held.value = row.value;
        }
        continue;
      }
      const sample = { metric: row.metric, labels: row.labels, ts: row.ts, value: row.value };
      if (id >= 0) placeAt(this.byStoreId, id, sample);
      else this.byLocalId.set(id, sample);
      let series = this.byMetric.get(row.metric);
      if (!series) this.byMetric.set(row.metric, (series = new Map()));
      series.set(id, sample);
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
      // A copy: the held record changes with the next sample, the caller's answer must not.
      if (conds.every(([k, v]) => s.labels[k] === v)) out.push({ ...s });
    }
    return out;
  }

  /**
   * The held records of a metric not older than `since`, without copies:
   * for callers that read them at once and keep nothing (a GPU list over
   * the whole fleet copied ~4 000 records per answer). The next sample of a
   * series changes its record in place.
   */
  *held(metric: string, since = -Infinity): Generator<Readonly<LatestSample>> {
    const series = this.byMetric.get(metric);
    if (!series) return;
    for (const s of series.values()) if (s.ts >= since) yield s;
  }

  /** Forgets every series of a node (removed with `kcloud-hub node remove`). */
  forgetNode(node: string): void {
    for (const series of this.byMetric.values()) {
      for (const [id, s] of series) {
        if (s.labels.node !== node) continue;
        series.delete(id);
        if (id >= 0) this.byStoreId[id] = undefined;
        else this.byLocalId.delete(id);
      }
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
