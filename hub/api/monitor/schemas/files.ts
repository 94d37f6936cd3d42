import { FORMAT_INFO } from '../../../export/formats.js';
import { ERROR_RESPONSES, fileResponse } from './common.js';

/** What an export's response headers say of the stores it read (hub/export/export-stores.ts). */
const STORES =
  '. X-Kcloud-Sources names the stores read (`remote, local`, `local`, `remote`: storage.remoteRead); X-Kcloud-Warnings, when present, says the remote store was needed and not read (the rows are the local store\'s)';

/** Table exports (json, csv, excel, parquet, pdf): a streamed attachment, never serialised by Fastify. */
export const TableExportResponse = {
  200: fileResponse(`The file, as an attachment (content-disposition names it)${STORES}`, Object.values(FORMAT_INFO).map((f) => f.contentType)),
  ...ERROR_RESPONSES,
};

export const ReportExportResponse = {
  200: fileResponse(`The report, as an attachment${STORES}`, [FORMAT_INFO.pdf.contentType, FORMAT_INFO.excel.contentType]),
  ...ERROR_RESPONSES,
};

/** The SSE stream: the reply is hijacked and written as text/event-stream. */
export const EventStreamResponse = {
  200: fileResponse('Server-sent events: `power_update` and `threshold_exceeded` (docs/api-streams.md)', ['text/event-stream']),
  ...ERROR_RESPONSES,
};
