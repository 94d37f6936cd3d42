import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from '../../../shared/log.js';
import { ExportSlots, type ReleaseSlot } from '../../export/export-slots.js';
import { ExportStores, storeHeaders } from '../../export/export-stores.js';
import { EXPORT_FORMATS } from '../../export/formats.js';
import { metricsTable, RESOURCE_TYPES, type ResourceType } from '../../export/metrics-table.js';
import type { PdfMeta } from '../../export/pdf-document.js';
import { powerTable, type PowerBreakdown } from '../../export/power-table.js';
import { counted, ExportProgress, prefetch } from '../../export/progress.js';
import { exportRange, reportRange } from '../../export/range.js';
import { REPORT_TEMPLATES, type ReportTemplate } from '../../export/report-data.js';
import { writeReportExcel } from '../../export/report-excel.js';
import { writeReportPdf } from '../../export/report-pdf.js';
import { buildReport } from '../../export/report-source.js';
import { sendExport } from '../../export/send.js';
import type { ExportTable } from '../../export/table.js';
import { TABLE_WRITERS } from '../../export/writers.js';
import { ApiError } from '../errors.js';
import type { RouteModule } from '../types.js';
import { CommonQuery, type CommonQueryValues, type Period, type ResolvedRange } from './params.js';
import { ReportExportResponse, TableExportResponse } from './schemas/files.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const { limit: _limit, offset: _offset, ...RangeQuery } = CommonQuery;

const ExportQuery = { ...RangeQuery, format: Type.Optional(literals(EXPORT_FORMATS)) };
const PowerExportQuery = Type.Object({ ...ExportQuery, breakdown_by: Type.Optional(literals(['node', 'cluster'] as const)) });
const MetricsExportQuery = Type.Object({ ...ExportQuery, resource_type: literals(RESOURCE_TYPES) });
const ReportQuery = Type.Object({
  template: literals(Object.keys(REPORT_TEMPLATES) as ReportTemplate[]),
  format: Type.Optional(literals(['pdf', 'excel'] as const)),
  cluster: RangeQuery.cluster,
  end_time: RangeQuery.end_time,
});

const DESCRIPTION =
  'Streamed as it is read (rows per step, window by window). json is an array of row objects, csv has a header line, excel one sheet, ' +
  'parquet is application/vnd.apache.parquet with time as TIMESTAMP_MILLIS (UTC); pdf prints a chart and the first 2000 rows. An empty range is a valid empty file.';

/** What a client turned away for load is told to wait: about one export's time. */
const RETRY_AFTER_SECONDS = 10;

type Reply = Parameters<typeof sendExport>[0];

/**
 * Runs `start` (which sends the export) once an export slot is free, and
 * gives the slot back when the stream closes or `start` fails; 429 with
 * Retry-After when both the running exports and the queue are full.
 */
async function inExportSlot(slots: ExportSlots, reply: Reply, start: (release: ReleaseSlot) => Promise<Reply>): Promise<Reply> {
  const pending = slots.acquire();
  if (!pending) {
    void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    const { running, queued } = slots.load;
    throw new ApiError('RATE_LIMITED', `too many exports at once (${running} running, ${queued} waiting): retry in ${RETRY_AFTER_SECONDS} s`, { retry_after: RETRY_AFTER_SECONDS });
  }
  const release = await pending;
  // A client that gave up while queued gets nothing started for it.
  if (reply.raw.destroyed) {
    release();
    return reply;
  }
  try {
    return await start(release);
  } catch (err) {
    release();
    throw err;
  }
}

/** Streams a table export as an attachment, logging progress every 50,000 rows or 5 s. */
async function sendTable(
  reply: Reply,
  log: FastifyBaseLogger,
  stores: ExportStores,
  table: ExportTable,
  range: ResolvedRange,
  q: CommonQueryValues & { format?: (typeof EXPORT_FORMATS)[number] },
  prefix: string,
  release: ReleaseSlot,
) {
  const format = q.format ?? 'json';
  const progress = new ExportProgress(log as Logger, { export: prefix, format });
  const rows = counted(await prefetch(table.rows), progress);
  // The first window is read (its remote part included): which stores served it goes in the headers.
  const headers = storeHeaders(stores.note());
  const meta: PdfMeta = { title: `kcloud ${prefix.replaceAll('_', ' ')} export`, from: range.start, to: range.end, step: range.step, stepText: range.stepText, cluster: q.cluster };
  return sendExport(
    reply,
    log as Logger,
    { format, prefix, from: range.start, to: range.end, headers },
    async (out) => {
      await TABLE_WRITERS[format]({ ...table, rows }, out, meta);
      progress.done();
    },
    release,
  );
}

/** kcloud-monitor-api 5. Export API: /export/power, /export/metrics, /export/report. */
export const exportRoutes: RouteModule = (app, deps) => {
  const slots = new ExportSlots(deps.config.api.exports.maxConcurrent, deps.config.api.exports.maxQueued);
  app.get(
    '/export/power',
    {
      config: { access: 'metrics:read' },
      schema: { tags: ['export'], summary: 'Per-step power and energy per node (or cluster) as json, csv, excel, parquet or pdf', description: DESCRIPTION, querystring: PowerExportQuery, response: TableExportResponse },
    },
    async (request, reply) => {
      const q: Static<typeof PowerExportQuery> = request.query;
      const range = exportRange(q);
      const stores = new ExportStores(deps.tsdb, deps.remoteRead ?? null, range);
      const table = powerTable(stores, { start: range.start, end: range.end, step: range.step, cluster: q.cluster }, (q.breakdown_by ?? 'node') as PowerBreakdown);
      return inExportSlot(slots, reply, (release) => sendTable(reply, request.log, stores, table, range, q, 'power', release));
    },
  );

  app.get(
    '/export/metrics',
    {
      config: { access: 'metrics:read' },
      schema: { tags: ['export'], summary: 'Per-step metrics of GPUs, nodes or pods', description: DESCRIPTION, querystring: MetricsExportQuery, response: TableExportResponse },
    },
    async (request, reply) => {
      const q: Static<typeof MetricsExportQuery> = request.query;
      const range = exportRange(q);
      const resource = q.resource_type as ResourceType;
      const stores = new ExportStores(deps.tsdb, deps.remoteRead ?? null, range);
      const table = metricsTable(stores, { start: range.start, end: range.end, step: range.step, cluster: q.cluster }, resource);
      return inExportSlot(slots, reply, (release) => sendTable(reply, request.log, stores, table, range, q, `${resource}_metrics`, release));
    },
  );

  app.get(
    '/export/report',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags: ['export'],
        summary: 'Fleet report over a day, week or month (30 days): energy, cost, peak, power chart, top consumers, cluster/node/GPU/namespace tables, data gaps',
        description:
          'daily: 1d at 5m steps; weekly: 1w at 1h; monthly: 30d at 6h, ending at end_time (default now). Cost is energy x clouds.onprem.electricityPrice (empty when 0). ' +
          'pdf (default: the chart spans the whole period, gaps shaded, peak ringed; tables of at most 2000 rows) or excel (sheets summary, top_consumers, clusters, nodes, gpus, namespaces, gaps, power).',
        querystring: ReportQuery,
        response: ReportExportResponse,
      },
    },
    async (request, reply) => {
      const q: Static<typeof ReportQuery> = request.query;
      const template = q.template as ReportTemplate;
      const format = q.format ?? 'pdf';
      const t = REPORT_TEMPLATES[template];
      const range = reportRange(t.period as Period, t.step, q.end_time);
      const prefix = `${template}_report`;
      return inExportSlot(slots, reply, async (release) => {
        const progress = new ExportProgress(request.log as Logger, { export: prefix, format });
        // The report is a summary (rows per node and GPU, points per step): read whole before the reply starts, so store errors are plain 500s.
        const stores = new ExportStores(deps.tsdb, deps.remoteRead ?? null, range);
        const { electricityPrice, currency } = deps.config.clouds.onprem;
        const report = await buildReport(
          stores,
          { start: range.start, end: range.end, step: range.step, cluster: q.cluster },
          { local: deps.tsdb, pricing: { pricePerKwh: electricityPrice, currency }, pods: deps.kubernetes?.currentPod ?? null, now: Date.now(), onRow: () => progress.row() },
        );
        const meta: PdfMeta = { title: `kcloud ${template} report`, from: range.start, to: range.end, step: range.step, stepText: range.stepText, cluster: q.cluster };
        return sendExport(
          reply,
          request.log as Logger,
          { format, prefix, from: range.start, to: range.end, headers: storeHeaders(stores.note()) },
          async (out) => {
            await (format === 'pdf' ? writeReportPdf(report, out, meta) : writeReportExcel(report, out));
            progress.done();
          },
          release,
        );
      });
    },
  );
};
