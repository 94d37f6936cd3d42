import type { Column, Row } from './table.js';

/** 2024-01-01T12:00:00.000Z -> 2024-01-01 12:00 (UTC, as every time in the PDFs). */
export function pdfTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** A number as printed: at most 3 decimals from 1 up (watts), 6 significant digits below (kWh per step). */
export function pdfNumber(v: number): string {
  return String(Math.abs(v) >= 1 ? Math.round(v * 1000) / 1000 : Number(v.toPrecision(6)));
}

/** A cell's text in a PDF table: `-` for null, times in UTC. */
export function pdfCell(c: Column, v: Row[string] | undefined): string {
  if (v === null || v === undefined) return '-';
  if (c.type === 'timestamp' && typeof v === 'number') return pdfTime(v);
  return typeof v === 'number' ? pdfNumber(v) : v;
}

/** The column headers as printed: snake_case with spaces so long names wrap. */
export function pdfHeader(key: string): string {
  return key.replaceAll('_', ' ');
}
