import { runQuery } from '../../shared/query/engine.js';
import type { Matcher, SeriesSource } from '../../shared/query/types.js';
import { combinePower, roundWatts, sumKnown, type PowerParts } from '../fleet/power.js';
import type { PowerWatts } from './integrated-power.js';

/** One step of GET /monitoring/timeseries/power; a part no node reported in the step is null. */
export interface PowerPoint extends PowerWatts {
  timestamp: string;
}

export interface PowerSeriesSummary {
  /** Steps with data. */
  total_samples: number;
  average_power_watts: number | null;
  max_power_watts: number | null;
  min_power_watts: number | null;
}

type Part = keyof PowerParts;

/** The store's series behind each part (the same ones nodePower reads for the current values). */
const PARTS: { part: Part; metric: string; matchers: Matcher[] }[] = [
  { part: 'gpuWatts', metric: 'gpu_power_watts', matchers: [] },
  { part: 'cpuWatts', metric: 'rapl_power_watts', matchers: [{ label: 'domain', op: '=', value: 'package' }] },
  { part: 'memoryWatts', metric: 'rapl_power_watts', matchers: [{ label: 'domain', op: '=', value: 'dram' }] },
  { part: 'bmcWatts', metric: 'node_power_watts', matchers: [] },
];

/** The series powerSeries runs the engine on (what a remote read must fetch for it). */
export function powerSeriesRequests(cluster?: string): { metric: string; matchers: Matcher[]; agg: 'avg' }[] {
  const scope: Matcher[] = cluster ? [{ label: 'cluster', op: '=', value: cluster }] : [];
  return PARTS.map(({ metric, matchers }) => ({ metric, matchers: [...matchers, ...scope], agg: 'avg' }));
}

/**
 * Fleet (or cluster) power per step over [start, end): each series averaged
 * within the step, the averages summed per node and part, then each node's
 * total and "other" combined exactly as for the current values (BMC when
 * present, else the known parts). Averages are summed per series (the
 * engine's sumBy) rather than pooled with its groupBy: a pooled avg of two
 * 300 W GPUs is 300 W, not the 600 W they draw. Steps without any sample are left out.
 */
export function powerSeries(source: SeriesSource, range: { start: number; end: number; step: number }, cluster?: string): PowerPoint[] {
  const scope: Matcher[] = cluster ? [{ label: 'cluster', op: '=', value: cluster }] : [];
  // step -> node -> parts
  const steps = new Map<number, Map<string, PowerParts>>();
  for (const { part, metric, matchers } of PARTS) {
    // The engine adds each series' step average per node as it steps (sumBy): no result per GPU is built.
    for (const series of runQuery(source, { metric, matchers: [...matchers, ...scope], ...range, agg: 'avg', sumBy: ['node'] })) {
      const node = series.labels.node!;
      for (const [ts, value] of series.points) {
        let nodes = steps.get(ts);
        if (!nodes) steps.set(ts, (nodes = new Map()));
        let parts = nodes.get(node);
        if (!parts) nodes.set(node, (parts = { gpuWatts: null, cpuWatts: null, memoryWatts: null, bmcWatts: null }));
        parts[part] = value;
      }
    }
  }
  return [...steps.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, nodes]) => {
      const parts = [...nodes.values()];
      const combined = parts.map(combinePower);
      return {
        timestamp: new Date(ts).toISOString(),
        total_power_watts: sumKnown(combined.map((c) => c.totalWatts)),
        gpu_power_watts: sumKnown(parts.map((p) => p.gpuWatts)),
        cpu_power_watts: sumKnown(parts.map((p) => p.cpuWatts)),
        memory_power_watts: sumKnown(parts.map((p) => p.memoryWatts)),
        other_power_watts: sumKnown(combined.map((c) => c.otherWatts)),
      };
    });
}

/** The seed's `summary`: steps with data and the total power's average, max and min over them. */
export function summarizeSeries(points: readonly PowerPoint[]): PowerSeriesSummary {
  const totals = points.map((p) => p.total_power_watts).filter((v): v is number => v !== null);
  return {
    total_samples: points.length,
    average_power_watts: totals.length ? roundWatts(totals.reduce((a, b) => a + b, 0) / totals.length) : null,
    max_power_watts: totals.length ? Math.max(...totals) : null,
    min_power_watts: totals.length ? Math.min(...totals) : null,
  };
}
