import type { Labels, Sample } from '../shared/schema/message.js';

export interface LatestSample {
  metric: string;
  labels: Labels;
  value: number;
  ts: number;
}

/** Canonical key of a series: metric plus labels sorted by name. */
export function seriesKey(metric: string, labels: Labels | undefined): string {
  if (!labels) return metric;
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? metric : `${metric}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/**
 * The newest reading of every series the agent has seen. Feeds the node
 * /metrics endpoint, `kcloud-agent status` and collectors that derive values
 * from others (GPU power split across processes).
 */
export class LatestValues {
  private readonly byKey = new Map<string, LatestSample>();
  /**
   * `metric` + labels JSON in arrival order -> seriesKey. Collectors build labels in a fixed order, so
   * this native JSON.stringify key hits and the per-sample sort and join (the store's main cost) run once per series.
   */
  private readonly keyOf = new Map<string, string>();

  update(samples: readonly Sample[], fallbackTs: number): void {
    for (const s of samples) {
      const ts = s.ts ?? fallbackTs;
      const quick = s.labels ? `${s.metric}\0${JSON.stringify(s.labels)}` : s.metric;
      let key = this.keyOf.get(quick);
      if (key === undefined) {
        key = seriesKey(s.metric, s.labels);
        this.keyOf.set(quick, key);
      }
      const prev = this.byKey.get(key);
      if (!prev || prev.ts <= ts) this.byKey.set(key, { metric: s.metric, labels: s.labels ?? {}, value: s.value, ts });
    }
  }

  /** Newest sample of one series. */
  get(metric: string, labels?: Labels): LatestSample | undefined {
    return this.byKey.get(seriesKey(metric, labels));
  }

  /** Newest samples of a metric, all series. */
  ofMetric(metric: string): LatestSample[] {
    return [...this.byKey.values()].filter((s) => s.metric === metric);
  }

  all(): IterableIterator<LatestSample> {
    return this.byKey.values();
  }

  /** Forgets series not updated since `olderThan` (a GPU removed, a process exited). */
  prune(olderThan: number): void {
    let pruned = false;
    for (const [key, s] of this.byKey) {
      if (s.ts >= olderThan) continue;
      this.byKey.delete(key);
      pruned = true;
    }
    // Series that come and go (processes) must not grow the key cache without bound.
    if (pruned) this.keyOf.clear();
  }
}
