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

/** The query_range evaluation times for the steps t = start, start + step, ... < end: T = t + step. */
export function evaluationRange(start: number, end: number, step: number): { first: number; last: number } {
  const steps = Math.ceil((end - start) / step);
  return { first: start + step, last: start + steps * step };
}
