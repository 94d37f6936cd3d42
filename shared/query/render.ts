import { stringify } from 'csv-stringify/sync';
import { renderTable } from '../format/table.js';
import type { OutputFormat } from '../format/output-format.js';
import type { Aggregation, ResultSeries } from './types.js';

export interface QueryOutput {
  metric: string;
  start: number;
  end: number;
  step: number;
  agg: Aggregation;
  series: ResultSeries[];
}

function labelColumns(series: readonly ResultSeries[]): string[] {
  return [...new Set(series.flatMap((s) => Object.keys(s.labels)))].sort();
}

/** Prints a query result as JSON (stable keys), CSV (one row per point) or a table; shared by both CLIs. */
export function renderQuery(out: QueryOutput, format: OutputFormat): string {
  if (format === 'json') {
    return (
      JSON.stringify({
        metric: out.metric,
        start: out.start,
        end: out.end,
        step: out.step,
        agg: out.agg,
        series: out.series.map((s) => ({ labels: s.labels, points: s.points })),
      }) + '\n'
    );
  }
  const labels = labelColumns(out.series);
  const rows = out.series.flatMap((s) => s.points.map(([ts, v]) => ({ ts, labels: labels.map((l) => s.labels[l] ?? ''), v })));
  if (format === 'csv') {
    return stringify([['ts', 'metric', ...labels, 'value'], ...rows.map((r) => [r.ts, out.metric, ...r.labels, r.v])]);
  }
  if (rows.length === 0) return `no samples of ${out.metric} in range\n`;
  return renderTable(
    ['time', ...labels, out.metric],
    rows.map((r) => [new Date(r.ts).toISOString(), ...r.labels, Number(r.v.toFixed(3))]),
  );
}
