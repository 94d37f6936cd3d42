import { useState } from 'preact/hooks';
import { query } from '../api';

const DATASETS = {
  power: { label: 'Power and energy per node', path: '/api/v1/export/power', extra: {} },
  gpu: { label: 'GPU metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'gpu' } },
  node: { label: 'Node metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'node' } },
  pod: { label: 'Pod metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'pod' } },
} as const;
const FORMATS = ['csv', 'json', 'excel', 'parquet', 'pdf'] as const;
const PERIODS = { '1h': 'last hour', '1d': 'last day', '1w': 'last week', '1m': 'last 30 days' } as const;
const STEPS = { '1h': '1m', '1d': '5m', '1w': '1h', '1m': '6h' } as const;

/**
 * Downloads from the monitoring API's export routes: a plain link the
 * browser fetches with the session cookie, so the file streams to disk
 * without passing through the page's memory.
 */
export function Exports() {
  const [dataset, setDataset] = useState<keyof typeof DATASETS>('power');
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('csv');
  const [period, setPeriod] = useState<keyof typeof PERIODS>('1d');
  const [template, setTemplate] = useState<'daily' | 'weekly' | 'monthly'>('daily');
  const [reportFormat, setReportFormat] = useState<'pdf' | 'excel'>('pdf');
  const d = DATASETS[dataset];
  const href = `${d.path}${query({ ...d.extra, format, period, step: STEPS[period] })}`;
  const reportHref = `/api/v1/export/report${query({ template, format: reportFormat })}`;
  return (
    <>
      <h2>Exports</h2>
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Data export">
        <label>
          Data
          <select value={dataset} onChange={(e) => setDataset(e.currentTarget.value as keyof typeof DATASETS)}>
            {Object.entries(DATASETS).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as (typeof FORMATS)[number])}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          Range
          <select value={period} onChange={(e) => setPeriod(e.currentTarget.value as keyof typeof PERIODS)}>
            {Object.entries(PERIODS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <a class="button" href={href} download data-testid="export-link">
          Download export
        </a>
      </form>
      <h2>Reports</h2>
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Report">
        <label>
          Report
          <select value={template} onChange={(e) => setTemplate(e.currentTarget.value as typeof template)}>
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
            <option value="monthly">monthly</option>
          </select>
        </label>
        <label>
          Format
          <select value={reportFormat} onChange={(e) => setReportFormat(e.currentTarget.value as typeof reportFormat)}>
            <option value="pdf">PDF</option>
            <option value="excel">Excel</option>
          </select>
        </label>
        <a class="button" href={reportHref} download data-testid="report-link">
          Download report
        </a>
      </form>
    </>
  );
}
