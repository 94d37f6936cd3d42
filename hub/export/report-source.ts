import { metricsTable } from './metrics-table.js';
import { powerRows } from './power-table.js';
import { ReportAccumulator, type ReportData } from './report-data.js';
import type { ExportInput, ExportRange } from './store-reader.js';

/** Reads the report's range from the store (power per node, then GPUs), window by window. */
export async function buildReport(source: ExportInput, range: ExportRange, onRow: () => void = () => {}): Promise<ReportData> {
  const acc = new ReportAccumulator();
  for await (const row of powerRows(source, range, 'node')) {
    acc.addPower(row);
    onRow();
  }
  for await (const row of metricsTable(source, range, 'gpu').rows) {
    acc.addGpu(row);
    onRow();
  }
  return acc.result();
}
