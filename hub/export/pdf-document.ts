import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import { pdfTime } from './pdf-format.js';

type Doc = InstanceType<typeof PDFDocument>;

/** What a PDF says about itself under its title. */
export interface PdfMeta {
  title: string;
  from: number;
  to: number;
  /** Step in ms, and as asked (`5m`). */
  step: number;
  stepText: string;
  cluster?: string;
}

/**
 * Opens a landscape A4 document piped to `out`, with the title block drawn;
 * `finish` ends the document and resolves once `out` has taken all of it.
 */
export function openPdf(out: Writable, meta: PdfMeta): { doc: Doc; finish: () => Promise<void> } {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: meta.title, Producer: 'kcloud hub' } });
  const piped = pipeline(doc, out);
  doc.font('Helvetica-Bold').fontSize(16).text(meta.title);
  doc
    .font('Helvetica')
    .fontSize(9)
    .text(`${pdfTime(meta.from)} to ${pdfTime(meta.to)} UTC, step ${meta.stepText}, cluster ${meta.cluster ?? 'all'}, generated ${pdfTime(Date.now())} UTC`);
  doc.moveDown();
  return {
    doc,
    finish: () => {
      doc.end();
      return piped;
    },
  };
}
