/**
 * The data set of bench/compare-tsdb.ts in the peers' bulk-import formats:
 * OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` and
 * VictoriaMetrics' JSON lines for /api/v1/import. Pure: rows in, text out;
 * both keep every value and millisecond timestamp exact (the bench reads
 * them back from each store and compares with the generator).
 */
import type { Row } from '../test/hub/tsdb/helpers/workload.js';

/** A series' identity as a string: metric plus its labels, keys sorted. */
export function seriesKey(metric: string, labels: Readonly<Record<string, string>>): string {
  return `${metric}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

// The workload hands out one labels object per GPU: its text is built once.
const labelText = new WeakMap<object, string>();
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function openMetricsLabels(labels: Readonly<Record<string, string>>): string {
  let text = labelText.get(labels);
  if (text === undefined) {
    text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    labelText.set(labels, text);
  }
  return text;
}

/** Seconds with exactly three decimals: OpenMetrics timestamps are seconds, the samples' are ms. */
export function openMetricsTimestamp(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`timestamp ${ms}: not a whole number of ms >= 0`);
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** A float as Go's ParseFloat reads it back to the same double (JS prints the shortest round-tripping form). */
function openMetricsValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** The rows as OpenMetrics sample lines (no `# EOF`: the caller ends the file with OPENMETRICS_EOF). */
export function toOpenMetrics(rows: readonly Row[]): string {
  let out = '';
  for (const r of rows) out += `${r.metric}{${openMetricsLabels(r.labels)}} ${openMetricsValue(r.value)} ${openMetricsTimestamp(r.ts)}\n`;
  return out;
}

export const OPENMETRICS_EOF = '# EOF\n';

/**
 * Gathers rows per series and gives them out as VictoriaMetrics import lines
 * (`{"metric":{"__name__":...},"values":[...],"timestamps":[...]}`), one a
 * series: the import's most compact form, a few bytes a sample.
 */
export class VmJsonLines {
  private readonly series = new Map<string, { metric: Record<string, string>; values: number[]; timestamps: number[] }>();
  private pending = 0;

  add(rows: readonly Row[]): void {
    for (const r of rows) {
      if (!Number.isFinite(r.value)) throw new Error(`${r.metric}: ${r.value} has no JSON form (the import's values are JSON numbers)`);
      const key = seriesKey(r.metric, r.labels);
      let s = this.series.get(key);
      if (!s) {
        s = { metric: { __name__: r.metric, ...r.labels }, values: [], timestamps: [] };
        this.series.set(key, s);
      }
      s.values.push(r.value);
      s.timestamps.push(r.ts);
    }
    this.pending += rows.length;
  }

  /** Samples added since the last take(). */
  get size(): number {
    return this.pending;
  }

  /** The lines of every series with samples, which are then forgotten. */
  take(): string {
    let out = '';
    for (const s of this.series.values()) out += `${JSON.stringify(s)}\n`;
    this.series.clear();
    this.pending = 0;
    return out;
  }
}
