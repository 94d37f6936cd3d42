import { PassThrough, type Writable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../../shared/log.js';
import { OutputClosedError } from './backpressure.js';
import { contentDisposition, FORMAT_INFO, type ExportFormat } from './formats.js';

export interface ExportFile {
  format: ExportFormat;
  /** File name prefix: `power` gives power_<from>_<to>.<ext>. */
  prefix: string;
  from: number;
  to: number;
  /** Extra response headers, e.g. the stores the export read (export-stores.ts storeHeaders). */
  headers?: Record<string, string>;
}

/**
 * Sends an export as a streamed attachment: headers now, then whatever
 * `write` puts into the stream. The status is already on its way when
 * `write` fails, so a failure is logged and the stream destroyed: the
 * client sees a cut-off transfer (no final chunk), never a complete-looking
 * file with rows missing. `onClosed` runs once the stream has ended or
 * been cut off.
 */
export function sendExport(reply: FastifyReply, log: Logger, file: ExportFile, write: (out: Writable) => Promise<void>, onClosed?: () => void): FastifyReply {
  const out = new PassThrough();
  if (onClosed) out.once('close', onClosed);
  write(out).catch((err: unknown) => {
    if (err instanceof OutputClosedError || (out.destroyed && !out.writableFinished)) log.info({ prefix: file.prefix, format: file.format }, 'export stopped: client went away');
    else log.error({ err, prefix: file.prefix, format: file.format }, 'export failed after the response began');
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return reply
    .headers(file.headers ?? {})
    .header('content-type', FORMAT_INFO[file.format].contentType)
    .header('content-disposition', contentDisposition(file.prefix, file.from, file.to, file.format))
    .send(out);
}
