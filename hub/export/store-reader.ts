import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runQuery } from '../../shared/query/engine.js';
import type { Aggregation, Matcher, ResultSeries, SeriesSource } from '../../shared/query/types.js';
import { stepWindows, type StepWindow } from './windows.js';

export interface ExportRange {
  start: number;
  end: number;
  step: number;
  /** Restricts every query to one cluster. */
  cluster?: string;
}

/** Runs range queries for one window; counters start one step early (see series-index.ts sumBy). */
export type WindowQuery = (metric: string, agg: Aggregation, extra?: Matcher[]) => ResultSeries[];

/**
 * Walks the range one window at a time and yields what `build` makes of each
 * window's query results. Between windows it yields to the event loop, so
 * the reply flushes what the writers produced and memory holds one window.
 */
export async function* windowed<T>(source: SeriesSource, range: ExportRange, build: (w: StepWindow, query: WindowQuery) => Iterable<T>): AsyncGenerator<T> {
  const base: Matcher[] = range.cluster ? [{ label: 'cluster', op: '=', value: range.cluster }] : [];
  for (const w of stepWindows(range.start, range.end, range.step)) {
    const query: WindowQuery = (metric, agg, extra = []) => {
      const start = agg === 'increase' ? w.start - range.step : w.start;
      return runQuery(source, { metric, matchers: [...base, ...extra], start, end: w.end, step: range.step, agg });
    };
    yield* build(w, query);
    await yieldToLoop();
  }
}
