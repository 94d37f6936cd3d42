import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runQuery } from '../../shared/query/engine.js';
import type { Aggregation, Matcher, ResultSeries, SeriesSource } from '../../shared/query/types.js';
import { ExportStores } from './export-stores.js';
import { stepWindows, type StepWindow } from './windows.js';

export interface ExportRange {
  start: number;
  end: number;
  step: number;
  /** Restricts every query to one cluster. */
  cluster?: string;
}

/** One read a table makes of every window: declared up front so the remote part of a window can be fetched before the window is built. */
export interface WindowRead {
  metric: string;
  agg: Aggregation;
}

/** Runs range queries for one window; counters start one step early (see series-index.ts sumBy). */
export type WindowQuery = (metric: string, agg: Aggregation) => ResultSeries[];

/** What an export reads: the local store alone (a plain source), or the stores of an export with remote read. */
export type ExportInput = SeriesSource | ExportStores;

/**
 * Walks the range one window at a time and yields what `build` makes of each
 * window's query results. Before a window, the part of it older than the
 * remote-read cut is fetched (ExportStores.windowSource: only `reads`, a
 * window at a time); between windows it yields to the event loop, so the
 * reply flushes what the writers produced and memory holds one window.
 */
export async function* windowed<T>(input: ExportInput, range: ExportRange, reads: readonly WindowRead[], build: (w: StepWindow, query: WindowQuery) => Iterable<T>): AsyncGenerator<T> {
  const base: Matcher[] = range.cluster ? [{ label: 'cluster', op: '=', value: range.cluster }] : [];
  const requests = reads.map((r) => ({ ...r, matchers: base }));
  const counters = reads.some((r) => r.agg === 'increase');
  for (const w of stepWindows(range.start, range.end, range.step)) {
    const source = input instanceof ExportStores ? await input.windowSource(requests, { start: counters ? w.start - range.step : w.start, end: w.end, step: range.step }) : input;
    const query: WindowQuery = (metric, agg) => {
      if (!reads.some((r) => r.metric === metric && r.agg === agg)) throw new Error(`export window read ${agg}(${metric}) not declared`);
      const start = agg === 'increase' ? w.start - range.step : w.start;
      return runQuery(source, { metric, matchers: base, start, end: w.end, step: range.step, agg });
    };
    yield* build(w, query);
    await yieldToLoop();
  }
}
