import type PDFDocument from 'pdfkit';
import { pdfTime } from './pdf-format.js';

type Doc = InstanceType<typeof PDFDocument>;

export interface LineChart {
  title: string;
  /** Unit for the y axis label, e.g. `W`. */
  unit: string;
  /** [ms, value] ascending; a gap of more than one step breaks the line. */
  points: readonly (readonly [number, number])[];
  step: number;
}

/** 1, 2 or 5 times a power of ten: axis ticks a reader can add up. */
export function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  if (!(raw > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Draws a line chart with pdfkit vector paths (axes, grid, ticks, the line) in the box at (x, y). */
export function drawLineChart(doc: Doc, chart: LineChart, x: number, y: number, width: number, height: number): void {
  doc.font('Helvetica-Bold').fontSize(10).text(chart.title, x, y);
  const top = y + 18;
  const plotX = x + 48;
  const plotW = width - 56;
  const plotH = height - 40;
  const bottom = top + plotH;
  if (chart.points.length === 0) {
    doc.font('Helvetica').fontSize(8).text('no data in this range', plotX, top + plotH / 2);
    doc.x = x;
    doc.y = y + height;
    return;
  }
  const t0 = chart.points[0]![0];
  const t1 = Math.max(chart.points[chart.points.length - 1]![0], t0 + chart.step);
  const maxV = Math.max(...chart.points.map((p) => p[1]));
  const tick = niceStep(maxV || 1, 5);
  const yMax = Math.ceil((maxV || 1) / tick) * tick;
  const px = (t: number) => plotX + ((t - t0) / (t1 - t0)) * plotW;
  const py = (v: number) => bottom - (v / yMax) * plotH;

  doc.font('Helvetica').fontSize(7).lineWidth(0.3).strokeColor('#bbbbbb');
  for (let v = 0; v <= yMax + tick / 2; v += tick) {
    doc.moveTo(plotX, py(v)).lineTo(plotX + plotW, py(v)).stroke();
    doc.fillColor('black').text(`${+v.toPrecision(6)} ${chart.unit}`, x, py(v) - 3, { width: 44, align: 'right', lineBreak: false });
  }
  doc.strokeColor('black').lineWidth(0.8).moveTo(plotX, top).lineTo(plotX, bottom).lineTo(plotX + plotW, bottom).stroke();
  for (const t of [t0, (t0 + t1) / 2, t1]) doc.text(`${pdfTime(t)} UTC`, px(t) - 40, bottom + 4, { width: 80, align: 'center', lineBreak: false });

  doc.strokeColor('#1f5fbf').lineWidth(1.2);
  let prev: number | null = null;
  for (const [t, v] of chart.points) {
    if (prev === null || t - prev > chart.step) doc.moveTo(px(t), py(v));
    else doc.lineTo(px(t), py(v));
    prev = t;
  }
  doc.stroke().strokeColor('black').fillColor('black');
  doc.x = x;
  doc.y = y + height;
}
