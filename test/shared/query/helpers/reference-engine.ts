import type { Labels } from '../../../../shared/schema/message.js';
import { aggregate, toSteps, type StepAcc } from '../../../../shared/query/engine.js';
import type { RangeQuery, ResultSeries, SeriesSource } from '../../../../shared/query/types.js';

/**
 * The query engine as it was before its one-pass stepping (a Map of steps
 * per series, every series materialised, then merged per group): slow and
 * plainly right, kept as the oracle that the fast engine must match number
 * for number. sumBy, which the old engine lacked, is spelt out the same way:
 * each series' steps aggregated, then added per group in findSeries' order.
 */
export function referenceQuery(source: SeriesSource, q: RangeQuery): ResultSeries[] {
  const perSeries = source
    .findSeries(q.metric, q.matchers)
    .map((ref) => ({ labels: ref.labels, steps: toSteps(source.readBuckets(ref.id, q.start, q.end, q.step), q.start, q.end, q.step) }))
    .filter((s) => s.steps.size > 0);

  const by = q.groupBy ?? q.sumBy;
  let out: { labels: Labels; points: [number, number][] }[];
  if (!by) {
    out = perSeries.map((s) => ({ labels: s.labels, points: sortedPoints(s.steps, (acc) => aggregate(acc, q.agg, q.step)) }));
  } else if (q.groupBy) {
    const groups = new Map<string, { labels: Labels; steps: Map<number, StepAcc> }>();
    for (const s of perSeries) {
      const labels: Labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']));
      const key = canonical(labels);
      const g = groups.get(key);
      if (!g) {
        groups.set(key, { labels, steps: new Map(s.steps) });
        continue;
      }
      for (const [ts, acc] of s.steps) {
        const had = g.steps.get(ts);
        g.steps.set(ts, had ? mergeAcross(had, acc) : acc);
      }
    }
    out = [...groups.values()].map((g) => ({ labels: g.labels, points: sortedPoints(g.steps, (acc) => aggregate(acc, q.agg, q.step)) }));
  } else {
    const groups = new Map<string, { labels: Labels; sums: Map<number, number> }>();
    for (const s of perSeries) {
      const labels: Labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']));
      const key = canonical(labels);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, sums: new Map() }));
      for (const [ts, acc] of s.steps) {
        const v = aggregate(acc, q.agg, q.step);
        const had = g.sums.get(ts);
        g.sums.set(ts, had === undefined ? v : had + v);
      }
    }
    out = [...groups.values()].map((g) => ({ labels: g.labels, points: [...g.sums].sort((a, b) => a[0] - b[0]) }));
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return out
    .map((s) => ({ key: canonical(s.labels), result: { metric: q.metric, labels: s.labels, points: s.points } }))
    .sort((a, b) => collator.compare(a.key, b.key))
    .map((s) => s.result);
}

function sortedPoints(steps: Map<number, StepAcc>, value: (acc: StepAcc) => number): [number, number][] {
  return [...steps.entries()].sort((a, b) => a[0] - b[0]).map(([ts, acc]) => [ts, value(acc)]);
}

function mergeAcross(a: StepAcc, b: StepAcc): StepAcc {
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), sum: a.sum + b.sum, count: a.count + b.count, last: a.last + b.last, increase: a.increase + b.increase };
}

function canonical(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}
