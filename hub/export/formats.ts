export const EXPORT_FORMATS = ['json', 'csv', 'excel', 'parquet', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Content-Type and file extension per format. Parquet is
 * application/vnd.apache.parquet, the type IANA registered for it in 2024.
 */
export const FORMAT_INFO: Record<ExportFormat, { contentType: string; ext: string }> = {
  json: { contentType: 'application/json', ext: 'json' },
  csv: { contentType: 'text/csv; charset=utf-8', ext: 'csv' },
  excel: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
  parquet: { contentType: 'application/vnd.apache.parquet', ext: 'parquet' },
  pdf: { contentType: 'application/pdf', ext: 'pdf' },
};

/** 2024-01-01T12:00:00.000Z -> 20240101T120000Z: no colons, which some file systems refuse. */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
}

/** `attachment; filename="power_<from>_<to>.<ext>"`. */
export function contentDisposition(prefix: string, from: number, to: number, format: ExportFormat): string {
  return `attachment; filename="${prefix}_${compactTime(from)}_${compactTime(to)}.${FORMAT_INFO[format].ext}"`;
}
