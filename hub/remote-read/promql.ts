import type { Aggregation, Matcher } from '../../shared/query/types.js';

/** The parts of a step's bucket the remote store is asked for, each by its own `*_over_time` function. */
export type RemoteField = 'min' | 'max' | 'sum' | 'count' | 'last';

/**
 * What each aggregation reads of a step (engine.ts aggregate): avg pools sum
 * and count, so a group_by over series stays exact. Increase and rate come
 * from the last value of consecutive steps (the engine's boundary delta):
 * standard PromQL has no first-sample nor unextrapolated increase function.
 */
export const FIELDS_FOR: Record<Aggregation, readonly RemoteField[]> = {
  avg: ['sum', 'count'],
  min: ['min'],
  max: ['max'],
  sum: ['sum'],
  count: ['count'],
  last: ['last'],
  increase: ['last'],
  rate: ['last'],
};

/** `gpu_power_watts{gpu="0",node=~"gpu-0[1-4]"}`; values quoted as PromQL (Go) strings, which JSON's escapes are. */
export function selectorText(metric: string, matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}

/**
 * `<field>_over_time(selector[step] offset 1ms)`. kcloud's step t holds the
 * samples of [t, t + step); PromQL's range selector at evaluation time T
 * holds (T - step, T]. Evaluated at T = t + step with `offset 1ms` it holds
 * (t - 1ms, t + step - 1ms], which for millisecond timestamps is exactly
 * [t, t + step): the same samples as the local step (docs/scale-out.md).
 */
export function overTime(field: RemoteField, selector: string, step: number): string {
  return `${field}_over_time(${selector}[${step}ms] offset 1ms)`;
}

/** Steps one query_range asks for at most: Prometheus refuses more than 11 000 points per series. */
export const MAX_STEPS_PER_QUERY = 10_000;

/**
 * The query_range calls for the steps t = start, start + step, ... < end,
 * each evaluated at T = t + step, in pieces of at most `maxSteps` steps
 * (`kcloud-hub query` allows 100 000): [first T, last T] of each.
 */
export function evaluationRanges(start: number, end: number, step: number, maxSteps = MAX_STEPS_PER_QUERY): { first: number; last: number }[] {
  const steps = Math.ceil((end - start) / step);
  const out: { first: number; last: number }[] = [];
  for (let k = 0; k < steps; k += maxSteps) out.push({ first: start + (k + 1) * step, last: start + Math.min(k + maxSteps, steps) * step });
  return out;
}
