import { query } from '../api';
import { SelectField } from '../components/form';
import { useForm } from '../use-form';

const DATASETS = {
  power: { label: 'Power and energy per node', path: '/api/v1/export/power', extra: {} },
  gpu: { label: 'GPU metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'gpu' } },
  node: { label: 'Node metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'node' } },
  pod: { label: 'Pod metrics', path: '/api/v1/export/metrics', extra: { resource_type: 'pod' } },
} as const;
const FORMATS = ['csv', 'json', 'excel', 'parquet', 'pdf'] as const;
const PERIODS = { '1h': 'last hour', '1d': 'last day', '1w': 'last week', '1m': 'last 30 days' } as const;
const STEPS = { '1h': '1m', '1d': '5m', '1w': '1h', '1m': '6h' } as const;
const REPORTS = ['daily', 'weekly', 'monthly'];
const REPORT_FORMATS = [
  { value: 'pdf', label: 'PDF' },
  { value: 'excel', label: 'Excel' },
];

/**
 * Downloads from the monitoring API's export routes: a plain link the
 * browser fetches with the session cookie, so the file streams to disk
 * without passing through the page's memory.
 */
export function Exports() {
  const [form, set] = useForm({ dataset: 'power' as keyof typeof DATASETS, format: 'csv' as (typeof FORMATS)[number], period: '1d' as keyof typeof PERIODS, template: 'daily', reportFormat: 'pdf' });
  const d = DATASETS[form.dataset];
  const href = `${d.path}${query({ ...d.extra, format: form.format, period: form.period, step: STEPS[form.period] })}`;
  const reportHref = `/api/v1/export/report${query({ template: form.template, format: form.reportFormat })}`;
  return (
    <>
      <h2>Exports</h2>
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Data export">
        <SelectField label="Data" value={form.dataset} onChange={set('dataset')} options={Object.entries(DATASETS).map(([value, v]) => ({ value: value as keyof typeof DATASETS, label: v.label }))} />
        <SelectField label="Format" value={form.format} onChange={set('format')} options={FORMATS} />
        <SelectField label="Range" value={form.period} onChange={set('period')} options={Object.entries(PERIODS).map(([value, label]) => ({ value: value as keyof typeof PERIODS, label }))} />
        <a class="button" href={href} download data-testid="export-link">
          Download export
        </a>
      </form>
      <h2>Reports</h2>
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Report">
        <SelectField label="Report" value={form.template} onChange={set('template')} options={REPORTS} />
        <SelectField label="Format" value={form.reportFormat} onChange={set('reportFormat')} options={REPORT_FORMATS} />
        <a class="button" href={reportHref} download data-testid="report-link">
          Download report
        </a>
      </form>
    </>
  );
}
