import type PDFDocument from 'pdfkit';
import { pdfCell, pdfHeader } from './pdf-format.js';
import type { Column, Row } from './table.js';

type Doc = InstanceType<typeof PDFDocument>;

const FONT_SIZE = 7;
const ROW_HEIGHT = 11;
const HEADER_HEIGHT = 20;
const PAD = 2;

/** Column widths over the page width, in proportion to a rough content length (times are long). */
function widths(columns: readonly Column[], total: number): number[] {
  const weight = (c: Column) => (c.type === 'timestamp' ? 2.2 : c.type === 'string' ? 1.6 : 1);
  const sum = columns.reduce((a, c) => a + weight(c), 0);
  return columns.map((c) => (total * weight(c)) / sum);
}

function header(doc: Doc, columns: readonly Column[], w: number[], x0: number, y: number): number {
  doc.font('Helvetica-Bold').fontSize(FONT_SIZE);
  let x = x0;
  columns.forEach((c, i) => {
    doc.text(pdfHeader(c.key), x + PAD, y + PAD, { width: w[i]! - 2 * PAD, height: HEADER_HEIGHT - PAD, lineBreak: true });
    x += w[i]!;
  });
  const bottom = y + HEADER_HEIGHT;
  doc.moveTo(x0, bottom).lineTo(x, bottom).lineWidth(0.5).stroke();
  doc.font('Helvetica');
  return bottom;
}

/**
 * Draws rows as a table from the current y, starting new pages (with the
 * header again) when the page is full. The table spans the page between the
 * margins unless `box` narrows it. Leaves doc.y under the table.
 */
export function drawTable(doc: Doc, columns: readonly Column[], rows: Iterable<Row>, box?: { x: number; width: number }): void {
  const { left, right, bottom } = doc.page.margins;
  const x0 = box?.x ?? left;
  const w = widths(columns, box?.width ?? doc.page.width - left - right);
  let y = header(doc, columns, w, x0, doc.y);
  for (const row of rows) {
    if (y + ROW_HEIGHT > doc.page.height - bottom) {
      doc.addPage();
      y = header(doc, columns, w, x0, doc.page.margins.top);
    }
    let x = x0;
    columns.forEach((c, i) => {
      doc.text(pdfCell(c, row[c.key]), x + PAD, y + PAD, { width: w[i]! - 2 * PAD, lineBreak: false, ellipsis: true });
      x += w[i]!;
    });
    y += ROW_HEIGHT;
  }
  doc.x = left;
  doc.y = y + ROW_HEIGHT;
}
