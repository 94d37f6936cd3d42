import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

/** Fed data: one sample every 10 s for 30 minutes, starting on a minute boundary an hour ago. */
const EVERY_MS = 10_000;
const STEP_MS = 60_000;
const MINUTES = 30;
const N = (MINUTES * STEP_MS) / EVERY_MS;
const T0 = Math.floor(Date.now() / STEP_MS) * STEP_MS - 60 * STEP_MS;
const T_END = T0 + MINUTES * STEP_MS;
const tsOf = (i: number) => T0 + i * EVERY_MS;
const MIB = 1024 * 1024;

interface Fed {
  node: string;
  metric: string;
  labels: Record<string, string>;
  value: (i: number) => number;
}

const GPU0 = { gpu: '0', uuid: 'GPU-aaaa-0000' };
const GPU1 = { gpu: '1', uuid: 'GPU-aaaa-1111' };
const PKG = { zone: 'intel-rapl:0', domain: 'package' };
const DRAM = { zone: 'intel-rapl:0:0', domain: 'dram' };
const POD = { ...GPU0, pid: '4242', container_id: 'c0ffee', pod_uid: 'uid-1', namespace: 'ml', pod: 'trainer-0', container: 'main' };

/** gpu-a (cluster c1): GPUs with energy counters and RAPL with counters, no BMC. cpu-b (c2): RAPL power only and a BMC. */
const FED: Fed[] = [
  { node: 'gpu-a', metric: 'gpu_power_watts', labels: GPU0, value: (i) => (i % 2 ? 200 : 100) },
  { node: 'gpu-a', metric: 'gpu_power_watts', labels: GPU1, value: () => 50 },
  { node: 'gpu-a', metric: 'gpu_energy_joules', labels: GPU0, value: (i) => 1e6 + i * 1500 },
  { node: 'gpu-a', metric: 'gpu_energy_joules', labels: GPU1, value: (i) => 2e6 + i * 500 },
  { node: 'gpu-a', metric: 'gpu_utilization_percent', labels: GPU0, value: (i) => (i % 2 ? 90 : 70) },
  { node: 'gpu-a', metric: 'gpu_utilization_percent', labels: GPU1, value: () => 20 },
  { node: 'gpu-a', metric: 'gpu_memory_used_bytes', labels: GPU0, value: () => 1024 * MIB },
  { node: 'gpu-a', metric: 'gpu_memory_used_bytes', labels: GPU1, value: () => 512 * MIB },
  { node: 'gpu-a', metric: 'gpu_temperature_celsius', labels: GPU0, value: (i) => 60 + (i % 3) },
  { node: 'gpu-a', metric: 'gpu_temperature_celsius', labels: GPU1, value: () => 40 },
  { node: 'gpu-a', metric: 'rapl_power_watts', labels: PKG, value: () => 80 },
  { node: 'gpu-a', metric: 'rapl_power_watts', labels: DRAM, value: () => 20 },
  { node: 'gpu-a', metric: 'rapl_energy_joules', labels: PKG, value: (i) => 5000 + i * 800 },
  { node: 'gpu-a', metric: 'rapl_energy_joules', labels: DRAM, value: (i) => 7000 + i * 200 },
  { node: 'gpu-a', metric: 'host_cpu_utilization_percent', labels: {}, value: () => 40 },
  { node: 'gpu-a', metric: 'host_memory_used_bytes', labels: {}, value: () => 8192 * MIB },
  { node: 'gpu-a', metric: 'host_memory_total_bytes', labels: {}, value: () => 32768 * MIB },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: POD, value: (i) => (i % 2 ? 130 : 110) },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...GPU0, pid: 'idle' }, value: () => 30 },
  { node: 'cpu-b', metric: 'rapl_power_watts', labels: PKG, value: () => 60 },
  { node: 'cpu-b', metric: 'node_power_watts', labels: { source: 'dcmi' }, value: (i) => (i % 2 ? 120 : 100) },
  { node: 'cpu-b', metric: 'host_cpu_utilization_percent', labels: {}, value: () => 10 },
];
const CLUSTER: Record<string, string> = { 'gpu-a': 'c1', 'cpu-b': 'c2' };

// Expected values, computed from FED the way the documents define them.
const inStep = (i: number, k: number) => tsOf(i) >= T0 + k * STEP_MS && tsOf(i) < T0 + (k + 1) * STEP_MS;
const idx = [...Array(N).keys()];
const avg = (f: Fed, k: number) => {
  const v = idx.filter((i) => inStep(i, k)).map(f.value);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
/** Counter increase credited to step k: each delta goes to the step of its later sample. */
const increase = (f: Fed, k: number) => idx.filter((i) => i > 0 && inStep(i, k)).reduce((a, i) => a + f.value(i) - f.value(i - 1), 0);
const fed = (node: string, metric: string, where: Record<string, string> = {}) => FED.filter((f) => f.node === node && f.metric === metric && Object.entries(where).every(([k, v]) => f.labels[k] === v));
const sumOf = (fs: Fed[], per: (f: Fed) => number) => (fs.length ? fs.reduce((a, f) => a + per(f), 0) : null);

/** Starts of the steps of a `stepMs` grid (epoch multiples, as the exports align them) that hold fed samples. */
const gridSteps = (stepMs: number) => [...new Set(idx.map((i) => Math.floor(tsOf(i) / stepMs) * stepMs))];
const gridMean = (f: Fed, at: number, stepMs: number) => {
  const v = idx.filter((i) => tsOf(i) >= at && tsOf(i) < at + stepMs).map(f.value);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
/** Fleet power per grid step: gpu-a's parts (no BMC) plus cpu-b's BMC reading. */
const fleetWattsOnGrid = (stepMs: number) =>
  gridSteps(stepMs).map((at) => FED.filter((f) => (f.node === 'gpu-a' && (f.metric === 'gpu_power_watts' || f.metric === 'rapl_power_watts')) || (f.node === 'cpu-b' && f.metric === 'node_power_watts')).reduce((a, f) => a + gridMean(f, at, stepMs), 0));
/** Fleet energy on a grid: every counter delta of gpu-a, plus cpu-b's BMC mean x step for each step with data (a step under way at `now`: x its elapsed part). */
const fleetKwhOnGrid = (stepMs: number, now = Infinity) =>
  [...fed('gpu-a', 'gpu_energy_joules'), ...fed('gpu-a', 'rapl_energy_joules')].reduce((a, f) => a + f.value(N - 1) - f.value(0), 0) / 3.6e6 +
  gridSteps(stepMs).reduce((a, at) => a + (gridMean(fed('cpu-b', 'node_power_watts')[0]!, at, stepMs) * Math.min(stepMs, now - at)) / 1000 / 3.6e6, 0);

function expectedPower(node: string, k: number) {
  const gpu = sumOf(fed(node, 'gpu_power_watts'), (f) => avg(f, k));
  const cpu = sumOf(fed(node, 'rapl_power_watts', { domain: 'package' }), (f) => avg(f, k));
  const mem = sumOf(fed(node, 'rapl_power_watts', { domain: 'dram' }), (f) => avg(f, k));
  const bmc = sumOf(fed(node, 'node_power_watts'), (f) => avg(f, k));
  const total = bmc ?? (gpu ?? 0) + (cpu ?? 0) + (mem ?? 0);
  const counterJ = sumOf([...fed(node, 'gpu_energy_joules'), ...fed(node, 'rapl_energy_joules')], (f) => increase(f, k));
  const joules = bmc !== null ? (bmc * STEP_MS) / 1000 : counterJ!;
  return { gpu, cpu, mem, bmc, total, kwh: joules / 3.6e6, method: bmc !== null ? 'power_integral' : 'counter' };
}

function samplesOf(node: string): Sample[] {
  return FED.filter((f) => f.node === node).flatMap((f) => idx.map((i) => ({ metric: f.metric, labels: f.labels, value: f.value(i), ts: tsOf(i) })));
}

const compact = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(/[-:]/g, '');
const RANGE = `start_time=${new Date(T0).toISOString()}&end_time=${new Date(T_END).toISOString()}&step=1m`;

const PY_XLSX = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
conv = lambda c: c.isoformat() + 'Z' if isinstance(c, datetime.datetime) else c
print(json.dumps({ws.title: [[conv(c) for c in r] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}))
`;
const PY_CSV = `
import csv, json, sys
with open(sys.argv[1], newline='') as f:
    print(json.dumps(list(csv.DictReader(f))))
`;

describe('export API (/api/v1/export/*)', () => {
  let api: ApiHub;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-export-'));
  let n = 0;

  /** Downloads a URL into a temp file; returns the response and the file. */
  async function download(path: string): Promise<{ res: Response; file: string; bytes: Buffer }> {
    const res = await api.request(path);
    const bytes = Buffer.from(await res.arrayBuffer());
    // openpyxl goes by the extension: keep the name the server gave, in a fresh folder.
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'body';
    const file = join(mkdtempSync(join(dir, `${++n}-`)), name);
    writeFileSync(file, bytes);
    return { res, file, bytes };
  }
  const python = async (script: string, file: string) => JSON.parse((await execa('/usr/bin/python3', ['-c', script, file])).stdout);
  const xlsx = (file: string): Promise<Record<string, unknown[][]>> => python(PY_XLSX, file);
  const csvRows = (file: string): Promise<Record<string, string>[]> => python(PY_CSV, file);
  const pdfText = async (file: string) => (await execa('pdftotext', ['-layout', file, '-'])).stdout;
  async function duck(sql: string): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create();
    const con = await db.connect();
    try {
      return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      con.closeSync();
      db.closeSync();
    }
  }
  /** Sheet rows as objects keyed by the header row. */
  const sheetObjects = (rows: unknown[][]) => rows.slice(1).map((r) => Object.fromEntries((rows[0] as string[]).map((h, i) => [h, r[i]])));

  beforeAll(async () => {
    api = await startApiHub();
    const nodes: Record<string, TestNode> = {};
    for (const name of Object.keys(CLUSTER)) nodes[name] = await api.addNode(name, CLUSTER[name]);
    for (const name of Object.keys(CLUSTER)) await api.publishTelemetry(nodes[name]!, samplesOf(name));
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses anonymous requests and names the bad parameter', async () => {
    expect((await api.request('/api/v1/export/power', { user: null })).status).toBe(401);
    const cases: [string, string][] = [
      ['/api/v1/export/power?format=xml', 'format'],
      ['/api/v1/export/power?breakdown_by=rack', 'breakdown_by'],
      ['/api/v1/export/metrics?resource_type=disk', 'resource_type'],
      ['/api/v1/export/metrics?format=csv', 'resource_type'],
      ['/api/v1/export/report?template=yearly', 'template'],
      ['/api/v1/export/report?template=daily&format=csv', 'format'],
      ['/api/v1/export/power?period=1h&step=1s&start_time=2024-01-01T00:00:00Z&end_time=2024-01-02T00:00:00Z', 'step'],
    ];
    for (const [path, parameter] of cases) {
      const res = await api.request(path);
      expect(res.status, path).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('INVALID_PARAMETER');
      expect(body.error.details.parameter, path).toBe(parameter);
    }
  });

  it('exports per-step power per node as a JSON array (averages and energy as fed)', async () => {
    const { res, bytes } = await download(`/api/v1/export/power?format=json&${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="power_${compact(T0)}_${compact(T_END)}.json"`);
    const rows = JSON.parse(bytes.toString()) as Record<string, unknown>[];
    expect(rows).toHaveLength(MINUTES * 2);
    for (let k = 0; k < MINUTES; k++) {
      for (const node of ['cpu-b', 'gpu-a']) {
        const row = rows.find((r) => r.node === node && r.timestamp === new Date(T0 + k * STEP_MS).toISOString());
        const e = expectedPower(node, k);
        expect(row, `${node} step ${k}`).toBeDefined();
        expect(row!.cluster).toBe(CLUSTER[node]);
        expect(row!.gpu_power_watts).toEqual(e.gpu);
        expect(row!.cpu_power_watts).toEqual(e.cpu);
        expect(row!.memory_power_watts).toEqual(e.mem);
        expect(row!.bmc_power_watts).toEqual(e.bmc);
        expect(row!.total_power_watts).toBeCloseTo(e.total, 3);
        expect(row!.energy_kwh as number).toBeCloseTo(e.kwh, 9);
        expect(row!.energy_method).toBe(e.method);
      }
    }
  });

  it('adds nodes up per cluster with breakdown_by=cluster', async () => {
    const rows = await api.json<Record<string, unknown>[]>(`/api/v1/export/power?${RANGE}&breakdown_by=cluster`);
    expect(rows).toHaveLength(MINUTES * 2);
    const c1 = rows.filter((r) => r.cluster === 'c1');
    expect(c1.every((r) => r.node === null)).toBe(true);
    expect(c1.reduce((a, r) => a + (r.energy_kwh as number), 0)).toBeCloseTo([...Array(MINUTES).keys()].reduce((a, k) => a + expectedPower('gpu-a', k).kwh, 0), 8);
    expect(rows.find((r) => r.cluster === 'c2')!.total_power_watts).toBeCloseTo(expectedPower('cpu-b', 0).total, 3);
  });

  it('exports CSV that a CSV reader opens (header, empty cells for null)', async () => {
    const { res, file } = await download(`/api/v1/export/power?format=csv&${RANGE}&cluster=c1`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="power_\d{8}T\d{6}Z_\d{8}T\d{6}Z\.csv"$/);
    const rows = await csvRows(file);
    expect(rows).toHaveLength(MINUTES);
    expect(Object.keys(rows[0]!)).toEqual(['timestamp', 'cluster', 'node', 'gpu_power_watts', 'cpu_power_watts', 'memory_power_watts', 'bmc_power_watts', 'total_power_watts', 'energy_kwh', 'energy_method']);
    rows.forEach((r, k) => {
      const e = expectedPower('gpu-a', k);
      expect(r.timestamp).toBe(new Date(T0 + k * STEP_MS).toISOString());
      expect(Number(r.gpu_power_watts)).toBeCloseTo(e.gpu!, 3);
      expect(Number(r.total_power_watts)).toBeCloseTo(e.total, 3);
      expect(Number(r.energy_kwh)).toBeCloseTo(e.kwh, 9);
      expect(r.bmc_power_watts).toBe('');
    });
  });

  it('exports Parquet that DuckDB reads (typed time, sums of energy as fed)', async () => {
    const { res, file } = await download(`/api/v1/export/power?format=parquet&${RANGE}`);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('content-disposition')).toMatch(/\.parquet"$/);
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
    expect(types.find((t) => t.column_name === 'timestamp')!.column_type).toMatch(/^TIMESTAMP/);
    expect(types.find((t) => t.column_name === 'energy_kwh')!.column_type).toBe('DOUBLE');
    const agg = await duck(
      `SELECT node, count(*) AS n, sum(energy_kwh) AS kwh, avg(total_power_watts) AS w, min(epoch_ms("timestamp")) AS first FROM read_parquet('${file}') GROUP BY node ORDER BY node`,
    );
    for (const a of agg) {
      const node = a.node as string;
      const steps = [...Array(MINUTES).keys()];
      expect(Number(a.n)).toBe(MINUTES);
      expect(Number(a.first)).toBe(T0);
      expect(Number(a.kwh)).toBeCloseTo(steps.reduce((s, k) => s + expectedPower(node, k).kwh, 0), 12);
      expect(Number(a.w)).toBeCloseTo(steps.reduce((s, k) => s + expectedPower(node, k).total, 0) / MINUTES, 3);
    }
    expect(agg.map((a) => a.node)).toEqual(['cpu-b', 'gpu-a']);
  });

  it('exports an .xlsx that openpyxl opens (dates as dates, numbers as numbers)', async () => {
    const { res, file } = await download(`/api/v1/export/power?format=excel&${RANGE}&cluster=c2`);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toMatch(/\.xlsx"$/);
    const rows = sheetObjects((await xlsx(file)).power!);
    expect(rows).toHaveLength(MINUTES);
    rows.forEach((r, k) => {
      const e = expectedPower('cpu-b', k);
      expect(Date.parse(r.timestamp as string)).toBe(T0 + k * STEP_MS);
      expect(r.bmc_power_watts).toBeCloseTo(e.bmc!, 3);
      expect(r.cpu_power_watts).toBeCloseTo(e.cpu!, 3);
      expect(r.gpu_power_watts).toBeNull();
      expect(r.energy_kwh as number).toBeCloseTo(e.kwh, 9);
      expect(r.energy_method).toBe('power_integral');
    });
  });

  it('exports a PDF with the rows that pdftotext reads back', async () => {
    const { res, file } = await download(`/api/v1/export/power?format=pdf&${RANGE}`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/\.pdf"$/);
    const text = await pdfText(file);
    expect(text).toContain(`${MINUTES * 2} rows.`);
    const e = expectedPower('gpu-a', 3);
    const line = text.split('\n').find((l) => l.includes(new Date(T0 + 3 * STEP_MS).toISOString().slice(0, 16).replace('T', ' ')) && l.includes('gpu-a'));
    expect(line, text).toBeDefined();
    for (const v of [e.gpu, e.cpu, e.mem, e.total]) expect(line).toContain(` ${v} `);
    expect(line).toContain(String(Number(e.kwh.toPrecision(6))));
  });

  it("draws the PDF's chart over the whole range asked for, not only where data is", async () => {
    // Six hours before the data, which lies in the last hour: the axis is labelled by the hour from the range's start.
    const from = T0 - 6 * 3_600_000;
    const { file } = await download(`/api/v1/export/power?format=pdf&start_time=${new Date(from).toISOString()}&end_time=${new Date(T_END).toISOString()}&step=1m`);
    const text = await pdfText(file);
    const hourLabel = (t: number) => new Date(t).toISOString().slice(11, 16);
    const firstTick = Math.ceil(from / 3_600_000) * 3_600_000;
    for (const t of [firstTick, firstTick + 3_600_000]) expect(text).toContain(hourLabel(t));
  });

  it('exports GPU metrics per GPU and step', async () => {
    const { res, file } = await download(`/api/v1/export/metrics?resource_type=gpu&format=csv&${RANGE}`);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="gpu_metrics_.*\.csv"$/);
    const rows = await csvRows(file);
    expect(rows).toHaveLength(MINUTES * 2);
    for (const k of [0, 17]) {
      const r = rows.find((x) => x.uuid === GPU0.uuid && x.timestamp === new Date(T0 + k * STEP_MS).toISOString())!;
      const one = (metric: string) => fed('gpu-a', metric, { gpu: '0' })[0]!;
      expect(r.node).toBe('gpu-a');
      expect(r.gpu).toBe('0');
      expect(Number(r.power_watts)).toBeCloseTo(avg(one('gpu_power_watts'), k), 3);
      expect(Number(r.utilization_percent)).toBeCloseTo(avg(one('gpu_utilization_percent'), k), 3);
      expect(Number(r.memory_used_mb)).toBeCloseTo(avg(one('gpu_memory_used_bytes'), k) / MIB, 3);
      expect(Number(r.temperature_celsius)).toBeCloseTo(avg(one('gpu_temperature_celsius'), k), 3);
      expect(Number(r.energy_kwh)).toBeCloseTo(increase(one('gpu_energy_joules'), k) / 3.6e6, 9);
      expect(r.energy_method).toBe('counter');
    }
  });

  it('exports node metrics with the node power, and pod GPU power without the idle share', async () => {
    const nodeRows = sheetObjects((await xlsx((await download(`/api/v1/export/metrics?resource_type=node&format=excel&${RANGE}`)).file)).node_metrics!);
    const a = nodeRows.find((r) => r.node === 'gpu-a' && Date.parse(r.timestamp as string) === T0 + 5 * STEP_MS)!;
    expect(a.cpu_utilization_percent).toBeCloseTo(avg(fed('gpu-a', 'host_cpu_utilization_percent')[0]!, 5), 3);
    expect(a.memory_utilization_percent).toBeCloseTo((avg(fed('gpu-a', 'host_memory_used_bytes')[0]!, 5) / avg(fed('gpu-a', 'host_memory_total_bytes')[0]!, 5)) * 100, 3);
    expect(a.power_watts).toBeCloseTo(expectedPower('gpu-a', 5).total, 3);
    const b = nodeRows.find((r) => r.node === 'cpu-b' && Date.parse(r.timestamp as string) === T0 + 5 * STEP_MS)!;
    expect(b.memory_used_mb).toBeNull();
    expect(b.power_watts).toBeCloseTo(expectedPower('cpu-b', 5).total, 3);

    const { file } = await download(`/api/v1/export/metrics?resource_type=pod&format=parquet&${RANGE}`);
    const pods = await duck(`SELECT namespace, pod, node, count(*) AS n, avg(gpu_power_watts) AS w FROM read_parquet('${file}') GROUP BY ALL`);
    const pod = fed('gpu-a', 'gpu_process_power_watts', { pod: 'trainer-0' })[0]!;
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ namespace: 'ml', pod: 'trainer-0', node: 'gpu-a' });
    expect(Number(pods[0]!.n)).toBe(MINUTES);
    expect(Number(pods[0]!.w)).toBeCloseTo([...Array(MINUTES).keys()].reduce((s, k) => s + avg(pod, k), 0) / MINUTES, 3);
  });

  it('answers a range without data with a valid empty file, not an error', async () => {
    const empty = 'start_time=2024-01-01T00:00:00Z&end_time=2024-01-01T01:00:00Z';
    const csv = await download(`/api/v1/export/power?format=csv&${empty}`);
    expect(csv.res.status).toBe(200);
    expect(csv.bytes.toString().trim()).toBe('timestamp,cluster,node,gpu_power_watts,cpu_power_watts,memory_power_watts,bmc_power_watts,total_power_watts,energy_kwh,energy_method');
    expect(JSON.parse((await download(`/api/v1/export/power?format=json&${empty}`)).bytes.toString())).toEqual([]);
    const pq = await download(`/api/v1/export/metrics?resource_type=gpu&format=parquet&${empty}`);
    expect(await duck(`SELECT count(*)::INTEGER AS n FROM read_parquet('${pq.file}')`)).toEqual([{ n: 0 }]);
    const xl = await xlsx((await download(`/api/v1/export/power?format=excel&${empty}`)).file);
    expect(xl.power).toEqual([['timestamp', 'cluster', 'node', 'gpu_power_watts', 'cpu_power_watts', 'memory_power_watts', 'bmc_power_watts', 'total_power_watts', 'energy_kwh', 'energy_method']]);
  });

  it('builds a daily PDF report with fleet totals, node and GPU tables and a chart', async () => {
    // A day ending 24 h after T0 starts at T0, so the report's 5-minute steps line up with the fed data.
    const end = new Date(T0 + 86_400_000).toISOString();
    const { res, file } = await download(`/api/v1/export/report?template=daily&format=pdf&end_time=${end}`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    // The start moves down onto the 5-minute grid of the store's rollups.
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="daily_report_${compact(Math.floor(T0 / 300_000) * 300_000)}_${compact(T0 + 86_400_000)}.pdf"`);
    const text = await pdfText(file);
    expect(text).toContain('Fleet power (W)');
    const energy = /energy_kwh\s+([\d.]+)/.exec(text);
    expect(energy, text).not.toBeNull();
    expect(Number(energy![1])).toBeCloseTo(fleetKwhOnGrid(300_000), 5);
    const fleetW = fleetWattsOnGrid(300_000);
    const num = (name: string) => Number(new RegExp(`${name}\\s+([\\d.]+)`).exec(text)?.[1]);
    expect(num('average_power_watts')).toBeCloseTo(fleetW.reduce((a, b) => a + b, 0) / fleetW.length, 3);
    expect(num('peak_power_watts')).toBeCloseTo(Math.max(...fleetW), 3);
    for (const name of ['gpu-a', 'cpu-b', GPU0.uuid, GPU1.uuid]) expect(text).toContain(name);
  });

  it('builds a weekly Excel report with the same tables in sheets', async () => {
    const end = new Date(T0 + 7 * 86_400_000).toISOString();
    const before = Date.now();
    const { res, file } = await download(`/api/v1/export/report?template=weekly&format=excel&end_time=${end}`);
    const after = Date.now();
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="weekly_report_.*\.xlsx"$/);
    const book = await xlsx(file);
    expect(Object.keys(book)).toEqual(['summary', 'top_consumers', 'clusters', 'nodes', 'gpus', 'namespaces', 'gaps', 'power']);
    const summary = Object.fromEntries(book.summary!.slice(1) as [string, unknown][]);
    // Weekly steps are whole UTC hours: the 30 fed minutes fall into one or two of them.
    const HOUR = 3_600_000;
    const hours = gridSteps(HOUR);
    const hourMeans = (f: Fed) => hours.map((h) => gridMean(f, h, HOUR));
    const all = [...Array(MINUTES).keys()];
    // The period ends a week ahead: an hour under way with data counts up to the hub's now (between before and after), not whole.
    expect(summary.energy_kwh).toBeGreaterThanOrEqual(fleetKwhOnGrid(HOUR, before) - 1e-9);
    expect(summary.energy_kwh).toBeLessThanOrEqual(fleetKwhOnGrid(HOUR, after) + 1e-9);
    const nodes = sheetObjects(book.nodes!);
    expect(nodes.map((r) => [r.node, r.energy_method])).toEqual([
      ['gpu-a', 'counter'],
      ['cpu-b', 'power_integral'],
    ]);
    const gpus = sheetObjects(book.gpus!);
    expect(gpus.map((g) => g.uuid)).toEqual([GPU0.uuid, GPU1.uuid]);
    const power0 = hourMeans(fed('gpu-a', 'gpu_power_watts', { gpu: '0' })[0]!);
    expect(gpus[0]!.average_power_watts).toBeCloseTo(power0.reduce((a, b) => a + b, 0) / power0.length, 3);
    expect(gpus[0]!.peak_power_watts).toBeCloseTo(Math.max(...power0), 3);
    expect(gpus[0]!.max_temperature_celsius).toBeCloseTo(Math.max(...hourMeans(fed('gpu-a', 'gpu_temperature_celsius', { gpu: '0' })[0]!)), 3);
    expect(gpus[1]!.energy_kwh).toBeCloseTo(all.reduce((s, k) => s + increase(fed('gpu-a', 'gpu_energy_joules', { gpu: '1' })[0]!, k), 0) / 3.6e6, 9);
    expect(book.power!.slice(1).map((r) => Date.parse(r[0] as string))).toEqual(hours);
  });
});

describe('export streaming', () => {
  let api: ApiHub;
  const GPUS = 64;
  const SECONDS = 3600;
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;

  beforeAll(async () => {
    api = await startApiHub();
    const node = await api.addNode('big-1', 'c9');
    // One sample per GPU per second for an hour: 230,400 rows at step=1s, tens of MB of JSON.
    const BATCH_SECONDS = 600;
    for (let s0 = 0; s0 < SECONDS; s0 += BATCH_SECONDS) {
      const samples: Sample[] = [];
      for (let s = s0; s < s0 + BATCH_SECONDS; s++) {
        for (let g = 0; g < GPUS; g++) samples.push({ metric: 'gpu_power_watts', labels: { gpu: String(g), uuid: `GPU-big-${g}` }, value: 100 + g + (s % 7), ts: start + s * 1000 });
      }
      await api.publishTelemetry(node, samples);
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('sends the first bytes while the server is still producing rows, and logs progress', async () => {
    const finished = () => api.logs.lines().filter((l) => l.msg === 'export finished' && l.export === 'gpu_metrics');
    const progress = () => api.logs.lines().filter((l) => l.msg === 'export progress' && l.export === 'gpu_metrics');
    const range = `start_time=${new Date(start).toISOString()}&end_time=${new Date(start + SECONDS * 1000).toISOString()}&step=1s`;
    const res = await api.request(`/api/v1/export/metrics?resource_type=gpu&format=json&${range}`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(new TextDecoder().decode(first.value!.subarray(0, 2))).toBe('[\n');
    // The reply is far larger than every buffer between the two ends, and the server writes only as fast as
    // this client reads: having read one chunk, the export cannot have finished.
    expect(finished()).toHaveLength(0);

    const chunks: Uint8Array[] = [first.value!];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    const body = Buffer.concat(chunks);
    expect(body.length).toBeGreaterThan(40 * 1024 * 1024);
    const rows = JSON.parse(body.toString()) as { gpu: string; power_watts: number; timestamp: string }[];
    expect(rows).toHaveLength(GPUS * SECONDS);
    const someRow = rows.find((r) => r.gpu === '5' && r.timestamp === new Date(start + 123_000).toISOString())!;
    expect(someRow.power_watts).toBe(100 + 5 + (123 % 7));

    await expect.poll(() => finished().map((l) => l.rows)).toEqual([GPUS * SECONDS]);
    const done = progress().map((l) => l.rows as number);
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((n) => n > 0 && n < GPUS * SECONDS)).toBe(true);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  }, 120_000);
});
