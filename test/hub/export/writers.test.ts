import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { OutputClosedError } from '../../../hub/export/backpressure.js';
import type { Column, ExportTable, Row } from '../../../hub/export/table.js';
import { openWorkbook, writeSheet } from '../../../hub/export/write-excel.js';
import { TABLE_WRITERS } from '../../../hub/export/writers.js';

const COLUMNS: Column[] = [
  { key: 'timestamp', type: 'timestamp' },
  { key: 'node', type: 'string' },
  { key: 'power_watts', type: 'double' },
];
const ROWS: Row[] = [
  { timestamp: Date.parse('2024-03-01T10:00:00Z'), node: 'gpu-01', power_watts: 123.25 },
  { timestamp: Date.parse('2024-03-01T10:01:00Z'), node: 'odd, "quoted"', power_watts: null },
];
const META = { title: 't', from: 0, to: 1, step: 60_000, stepText: '1m' };

async function* lazy(rows: Row[]) {
  for (const r of rows) yield r;
}
const table = (rows = ROWS): ExportTable => ({ title: 'power', columns: COLUMNS, rows: lazy(rows), chartColumn: 'power_watts' });

/** Runs a writer into memory and saves the bytes as a file a reader can open. */
async function written(format: keyof typeof TABLE_WRITERS, rows = ROWS): Promise<{ bytes: Buffer; file: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await TABLE_WRITERS[format](table(rows), out, META);
  const bytes = Buffer.concat(chunks);
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-writer-')), `out.${format === 'excel' ? 'xlsx' : format}`);
  writeFileSync(file, bytes);
  return { bytes, file };
}

describe('table writers', () => {
  it('json: an array of row objects with ISO times and nulls', async () => {
    expect(JSON.parse((await written('json')).bytes.toString())).toEqual([
      { timestamp: '2024-03-01T10:00:00.000Z', node: 'gpu-01', power_watts: 123.25 },
      { timestamp: '2024-03-01T10:01:00.000Z', node: 'odd, "quoted"', power_watts: null },
    ]);
    expect(JSON.parse((await written('json', [])).bytes.toString())).toEqual([]);
  });

  it('csv: quoted where needed, as Python csv reads it back', async () => {
    const { file } = await written('csv');
    const { stdout } = await execa('/usr/bin/python3', ['-c', 'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))', file]);
    expect(JSON.parse(stdout)).toEqual([
      ['timestamp', 'node', 'power_watts'],
      ['2024-03-01T10:00:00.000Z', 'gpu-01', '123.25'],
      ['2024-03-01T10:01:00.000Z', 'odd, "quoted"', ''],
    ]);
  });

  it('parquet: typed columns with nulls, as DuckDB reads them', async () => {
    const { file } = await written('parquet');
    const db = await DuckDBInstance.create();
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`SELECT epoch_ms("timestamp") AS ts, node, power_watts FROM read_parquet('${file}')`)).getRowObjectsJson();
    con.closeSync();
    db.closeSync();
    expect(rows).toEqual([
      { ts: String(ROWS[0]!.timestamp), node: 'gpu-01', power_watts: 123.25 },
      { ts: String(ROWS[1]!.timestamp), node: 'odd, "quoted"', power_watts: null },
    ]);
  });

  it('excel: dates, numbers and empty cells, as openpyxl reads them', async () => {
    const { file } = await written('excel');
    const script = 'import json,sys,openpyxl; ws=openpyxl.load_workbook(sys.argv[1]).active; print(json.dumps([[c.isoformat() if hasattr(c, "isoformat") else c for c in r] for r in ws.iter_rows(values_only=True)]))';
    const { stdout } = await execa('/usr/bin/python3', ['-c', script, file]);
    expect(JSON.parse(stdout)).toEqual([
      ['timestamp', 'node', 'power_watts'],
      ['2024-03-01T10:00:00', 'gpu-01', 123.25],
      ['2024-03-01T10:01:00', 'odd, "quoted"', null],
    ]);
  });

  it('excel: a sheet that reaches the row limit continues on a new sheet', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const wb = openWorkbook(out);
    const rows = Array.from({ length: 5 }, (_, i) => ({ timestamp: Date.parse('2024-03-01T10:00:00Z') + i * 60_000, node: `n${i}`, power_watts: i }));
    await writeSheet(wb, out, 'power', COLUMNS, rows, 2);
    await wb.commit();
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-writer-')), 'split.xlsx');
    writeFileSync(file, Buffer.concat(chunks));
    const script = 'import json,sys,openpyxl; wb=openpyxl.load_workbook(sys.argv[1]); print(json.dumps({ws.title: [r[1] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}))';
    const { stdout } = await execa('/usr/bin/python3', ['-c', script, file]);
    expect(JSON.parse(stdout)).toEqual({ power: ['node', 'n0', 'n1'], 'power (2)': ['node', 'n2', 'n3'], 'power (3)': ['node', 'n4'] });
  });

  it('excel: takes no more rows while the client is not reading', async () => {
    const out = new PassThrough(); // never read, like a client that stopped reading
    const total = 200_000;
    let produced = 0;
    const rows = (async function* () {
      for (let i = 0; i < total; i++) {
        produced++;
        yield { ...ROWS[0]!, power_watts: i };
      }
    })();
    const writing = TABLE_WRITERS.excel({ title: 'power', columns: COLUMNS, rows }, out, META);
    // The zip reached the client; then give deflate and the pipes turns to fill up behind it.
    await once(out, 'readable');
    for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
    // Without the wait on the zip, every row is read and its XML held before the zip writes a byte.
    expect(produced).toBeLessThan(total / 10);
    out.destroy();
    await expect(writing).rejects.toBeInstanceOf(OutputClosedError);
  });

  it('pdf: the rows as text, nulls as -', async () => {
    const { file } = await written('pdf');
    const { stdout } = await execa('pdftotext', ['-layout', file, '-']);
    expect(stdout).toMatch(/2024-03-01 10:00\s+gpu-01\s+123\.25/);
    expect(stdout).toMatch(/2024-03-01 10:01\s+odd, "quoted"\s+-/);
  });

  it('stops producing when the client goes away', async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const many = Array.from({ length: 100_000 }, (_, i) => ({ ...ROWS[0]!, power_watts: i }));
    let produced = 0;
    const rows = (async function* () {
      for (const r of many) {
        produced++;
        yield r;
      }
    })();
    const writing = TABLE_WRITERS.excel({ title: 'power', columns: COLUMNS, rows }, out, META);
    out.once('data', () => out.destroy());
    await expect(writing).rejects.toBeInstanceOf(OutputClosedError);
    expect(produced).toBeLessThan(many.length);
  });
});
