import { stringify } from 'csv-stringify/sync';
import type { Aggregation, ResultSeries } from '../query/types.js';
import type { OutputFormat } from './output-format.js';
import { renderTable } from './table.js';

/** A query's answer with the parameters it ran with (times in epoch ms). */
export interface QueryOutput {
  metric: string;
  start: number;
  end: number;
  step: number;
  agg: Aggregation;
  /** `end` when the points are stamped with their step's end (PromQL's alignment); absent for kcloud's own. */
  align?: 'end';
  series: ResultSeries[];
}

function labelColumns(series: readonly ResultSeries[]): string[] {
  return [...new Set(series.flatMap((s) => Object.keys(s.labels)))].sort();
}

/**
 * Prints a query result, shared by both CLIs. JSON: `{metric, start, end,
 * step, agg, series: [{labels, points: [[ts, value]]}]}` in that key order
 * (`align: "end"` after agg for PromQL-stamped points);
 * CSV: header `ts,metric,<label columns sorted>,value`, one row per point;
 * table: one row per point with ISO times.
 */
export function renderQuery(out: QueryOutput, format: OutputFormat): string {
  if (format === 'json') {
    const { metric, start, end, step, agg, align } = out;
    return JSON.stringify({ metric, start, end, step, agg, ...(align ? { align } : {}), series: out.series.map((s) => ({ labels: s.labels, points: s.points })) }) + '\n';
  }
  const labels = labelColumns(out.series);
  const rows = out.series.flatMap((s) => s.points.map(([ts, v]) => ({ ts, labels: labels.map((l) => s.labels[l] ?? ''), v })));
  if (format === 'csv') {
    return stringify([['ts', 'metric', ...labels, 'value'], ...rows.map((r) => [r.ts, out.metric, ...r.labels, r.v])]);
  }
  if (rows.length === 0) return `no samples of ${out.metric} between ${new Date(out.start).toISOString()} and ${new Date(out.end).toISOString()}\n`;
  return renderTable(
    ['time', ...labels, out.metric],
    rows.map((r) => [new Date(r.ts).toISOString(), ...r.labels, Number(r.v.toFixed(3))]),
  );
}
