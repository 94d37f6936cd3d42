import { runQuery } from '../../shared/query/engine.js';
import type { Aggregation, Matcher, SeriesSource } from '../../shared/query/types.js';
import type { EnergyMethod } from '../energy/energy.js';
import type { SeriesRequest } from '../remote-read/remote-read.js';

const MINUTE = 60_000;

/** Labels that pick one GPU's series on the hub. */
export function gpuMatchers(node: string, uuid: string): Matcher[] {
  return [
    { label: 'node', op: '=', value: node },
    { label: 'uuid', op: '=', value: uuid },
  ];
}

/** One aggregation of a metric over [start, end) at `step`, the GPU's series merged: [step start, value] pairs. */
function points(source: SeriesSource, metric: string, matchers: Matcher[], start: number, end: number, step: number, agg: Aggregation): [number, number][] {
  return runQuery(source, { metric, matchers, start, end, step, agg, groupBy: [] })[0]?.points ?? [];
}

/** The minute steps rangeStats and energyUsed read for [start, end): from the minute that holds `start`. */
export function minuteRange(start: number, end: number): { start: number; end: number; step: number } {
  return { start: Math.floor(start / MINUTE) * MINUTE, end, step: MINUTE };
}

/** What rangeStats('gpu_power_watts') and energyUsed read of one GPU: for a remote read of the same minutes (RemoteReader.plan). */
export function gpuPowerRequests(matchers: readonly Matcher[]): SeriesRequest[] {
  const aggs: Aggregation[] = ['avg', 'min', 'max', 'sum', 'count'];
  return [...aggs.map((agg) => ({ metric: 'gpu_power_watts', matchers, agg })), { metric: 'gpu_energy_joules', matchers, agg: 'increase' as const }];
}

export interface RangeStats {
  avg: number | null;
  min: number | null;
  max: number | null;
}

/**
 * Average, minimum and maximum of a gauge over [start, end), from the
 * store's minute rollups (raw samples within the current window). The range
 * starts on the minute that holds `start`, so the first rollup is not lost.
 */
export function rangeStats(source: SeriesSource, metric: string, matchers: Matcher[], start: number, end: number): RangeStats {
  const from = minuteRange(start, end).start;
  const sums = points(source, metric, matchers, from, end, MINUTE, 'sum');
  const counts = points(source, metric, matchers, from, end, MINUTE, 'count');
  const n = counts.reduce((a, [, c]) => a + c, 0);
  if (n === 0) return { avg: null, min: null, max: null };
  const mins = points(source, metric, matchers, from, end, MINUTE, 'min');
  const maxs = points(source, metric, matchers, from, end, MINUTE, 'max');
  return {
    avg: sums.reduce((a, [, s]) => a + s, 0) / n,
    min: Math.min(...mins.map(([, v]) => v)),
    max: Math.max(...maxs.map(([, v]) => v)),
  };
}


export interface EnergyUsed {
  joules: number | null;
  method: EnergyMethod | null;
}

/**
 * Energy a GPU used over [start, end). With a gpu_energy_joules counter
 * (DCGM), its reset-aware increase from the rollups. Without one (nvidia-smi
 * has no energy field), Σ over the minutes that have power samples of the
 * minute's average power × 60 s: a minute with any sample counts as covered,
 * so a GPU that reported for part of a minute is over-counted by at most
 * that minute at each end of a gap.
 */
export function energyUsed(source: SeriesSource, matchers: Matcher[], start: number, end: number): EnergyUsed {
  const from = minuteRange(start, end).start;
  if (source.findSeries('gpu_energy_joules', matchers).length > 0) {
    const inc = points(source, 'gpu_energy_joules', matchers, from, end, MINUTE, 'increase');
    return { joules: inc.length ? inc.reduce((a, [, v]) => a + v, 0) : null, method: 'counter' };
  }
  const avg = points(source, 'gpu_power_watts', matchers, from, end, MINUTE, 'avg');
  if (avg.length === 0) return { joules: null, method: null };
  return { joules: avg.reduce((a, [, w]) => a + w * (MINUTE / 1000), 0), method: 'power_integral' };
}

/** Per-step averages of several metrics of one GPU, merged into rows by step start; a metric without samples in a step is null there. */
export function gpuTimeseries<F extends string>(
  source: SeriesSource,
  metrics: Readonly<Record<F, string>>,
  matchers: Matcher[],
  start: number,
  end: number,
  step: number,
): { ts: number; values: Record<F, number | null> }[] {
  const rows = new Map<number, Record<F, number | null>>();
  const fields = Object.keys(metrics) as F[];
  const empty = () => Object.fromEntries(fields.map((f) => [f, null])) as Record<F, number | null>;
  for (const field of fields) {
    for (const [ts, v] of points(source, metrics[field], matchers, start, end, step, 'avg')) {
      if (!rows.has(ts)) rows.set(ts, empty());
      rows.get(ts)![field] = v;
    }
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values }));
}
