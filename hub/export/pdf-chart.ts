import type PDFDocument from 'pdfkit';
import { pdfNumber, pdfTime } from './pdf-format.js';

type Doc = InstanceType<typeof PDFDocument>;

export interface LineChart {
  title: string;
  /** Unit for the y axis label, e.g. `W`. */
  unit: string;
  /** [ms, value] ascending; a gap of more than one step breaks the line, and a point with no neighbour is drawn as a dot. */
  points: readonly (readonly [number, number])[];
  step: number;
  /** The time axis' span (a report's whole period); default: the points'. */
  from?: number;
  to?: number;
  /** Spans without data, shaded. */
  gaps?: readonly { from: number; to: number }[];
  /** A point to ring and label (the peak). */
  mark?: { at: number; value: number; label: string };
}

export const CHART_COLORS = { line: '#1f5fbf', gap: '#d9d9d9', mark: '#c0392b' } as const;

/** 1, 2 or 5 times a power of ten: axis ticks a reader can add up. */
export function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  if (!(raw > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** The plot (inside the axes) of a chart drawn in the box at (x, y): where drawLineChart maps time and value. */
export function plotArea(x: number, y: number, width: number, height: number): { x: number; y: number; width: number; height: number } {
  return { x: x + 48, y: y + 18, width: width - 56, height: height - 40 };
}

const MINUTE = 60_000;
const TIME_TICKS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160].map((m) => m * MINUTE);
const DAY = 1440 * MINUTE;

/** Tick times on the UTC grid of a whole interval (at most 8 of them), labelled as briefly as the span allows. */
export function timeTicks(t0: number, t1: number): { at: number; label: string }[] {
  const every = TIME_TICKS.find((i) => (t1 - t0) / i <= 8) ?? TIME_TICKS[TIME_TICKS.length - 1]!;
  const label = (t: number) => {
    const s = pdfTime(t);
    if (t1 - t0 <= DAY) return s.slice(11);
    return every >= DAY ? s.slice(5, 10) : s.slice(5);
  };
  const out: { at: number; label: string }[] = [];
  for (let t = Math.ceil(t0 / every) * every; t <= t1; t += every) out.push({ at: t, label: label(t) });
  return out;
}

/** Draws a line chart with pdfkit vector paths (axes, grid, ticks, gaps, the line, the mark) in the box at (x, y). */
export function drawLineChart(doc: Doc, chart: LineChart, x: number, y: number, width: number, height: number): void {
  doc.font('Helvetica-Bold').fontSize(10).fillColor('black').text(chart.title, x, y);
  const plot = plotArea(x, y, width, height);
  const bottom = plot.y + plot.height;
  const done = () => {
    doc.strokeColor('black').fillColor('black');
    doc.x = x;
    doc.y = y + height;
  };
  const first = chart.points[0]?.[0];
  const last = chart.points[chart.points.length - 1]?.[0];
  const noData = () => doc.font('Helvetica').fontSize(8).fillColor('black').text('no data in this range', plot.x + 4, plot.y + plot.height / 2, { lineBreak: false });
  const t0 = chart.from ?? first;
  const end = chart.to ?? last;
  // Without an axis span, no points leave nothing to draw; with one, the axes and the gaps still show the period.
  if (t0 === undefined || end === undefined) {
    noData();
    return done();
  }
  const t1 = Math.max(end, t0 + chart.step);
  const maxV = Math.max(0, ...chart.points.map((p) => p[1]));
  const tick = niceStep(maxV || 1, 5);
  const yMax = Math.ceil((maxV || 1) / tick) * tick;
  const px = (t: number) => plot.x + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plot.width;
  const py = (v: number) => bottom - (v / yMax) * plot.height;

  for (const g of chart.gaps ?? []) doc.rect(px(g.from), plot.y, px(g.to) - px(g.from), plot.height).fill(CHART_COLORS.gap);

  doc.font('Helvetica').fontSize(7).lineWidth(0.3).strokeColor('#bbbbbb').fillColor('black');
  for (let v = 0; v <= yMax + tick / 2; v += tick) {
    doc.moveTo(plot.x, py(v)).lineTo(plot.x + plot.width, py(v)).stroke();
    doc.text(`${+v.toPrecision(6)} ${chart.unit}`, x, py(v) - 3, { width: 44, align: 'right', lineBreak: false });
  }
  doc.strokeColor('black').lineWidth(0.8).moveTo(plot.x, plot.y).lineTo(plot.x, bottom).lineTo(plot.x + plot.width, bottom).stroke();
  for (const { at, label } of timeTicks(t0, t1)) {
    doc.moveTo(px(at), bottom).lineTo(px(at), bottom + 3).stroke();
    doc.text(label, px(at) - 30, bottom + 5, { width: 60, align: 'center', lineBreak: false });
  }

  // Only the points inside the axis: an export's data never falls outside, a report's may not either.
  const points = chart.points.filter(([t]) => t >= t0 && t <= t1);
  doc.strokeColor(CHART_COLORS.line).fillColor(CHART_COLORS.line).lineWidth(1.2);
  const joinsPrev = (i: number) => i > 0 && i < points.length && points[i]![0] - points[i - 1]![0] <= chart.step;
  points.forEach(([t, v], i) => (joinsPrev(i) ? doc.lineTo(px(t), py(v)) : doc.moveTo(px(t), py(v))));
  doc.stroke();
  // A point joined to neither neighbour would be a zero-length line: a dot instead.
  points.forEach(([t, v], i) => {
    if (!joinsPrev(i) && !joinsPrev(i + 1)) doc.circle(px(t), py(v), 2).fill();
  });

  if (points.length === 0) noData();
  if (chart.mark && chart.mark.at >= t0 && chart.mark.at <= t1) {
    const mx = px(chart.mark.at);
    const my = py(chart.mark.value);
    doc.lineWidth(1).strokeColor(CHART_COLORS.mark).circle(mx, my, 4.5).stroke();
    const right = mx + 170 < plot.x + plot.width;
    doc.fillColor(CHART_COLORS.mark).fontSize(7).text(chart.mark.label, right ? mx + 7 : mx - 177, Math.max(my - 10, plot.y - 8), { width: 170, align: right ? 'left' : 'right', lineBreak: false });
  }
  done();
}

/** The label of a peak mark: `peak 1234.5 W at 2024-01-01 12:00 UTC`. */
export function peakLabel(value: number, at: number, unit: string): string {
  return `peak ${pdfNumber(value)} ${unit} at ${pdfTime(at)} UTC`;
}
