import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_COLORS, plotArea } from '../../../../hub/export/pdf-chart.js';
import { pdfCell, pdfTime } from '../../../../hub/export/pdf-format.js';
import { CLUSTER_COLUMNS, GAP_COLUMNS, GPU_COLUMNS, NAMESPACE_COLUMNS, NODE_COLUMNS, TOP_COLUMNS } from '../../../../hub/export/report-data.js';
import { REPORT_CHART_BOX } from '../../../../hub/export/report-pdf.js';
import type { Column, Row } from '../../../../hub/export/table.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

/*
 * The fleet sends a sample every 30 s for two hours ending half an hour
 * before the report's end, with a half-hour hole in the middle where no
 * node sends anything; gpu-b also misses a quarter of an hour on its own,
 * and `lone` (cluster c3) sends a single sample. Every expected figure is
 * computed below from these samples, the way docs/api.md defines it.
 */
const STEP = 300_000;
const EVERY = 30_000;
const MIN = 60_000;
const T0 = Math.floor(Date.now() / STEP) * STEP - 180 * MIN;
const END = T0 + 150 * MIN;
const START = END - 86_400_000;
const PRICE = 0.25;
const CURRENCY = 'EUR';
const TIMES = Array.from({ length: (120 * MIN) / EVERY }, (_, i) => T0 + i * EVERY);
const inFleetHole = (ts: number) => ts >= T0 + 60 * MIN && ts < T0 + 90 * MIN;
const LONE_AT = T0 + 100 * MIN + 10_000;

interface Fed {
  node: string;
  metric: string;
  labels: Record<string, string>;
  value: (ts: number) => number;
}
const NODES: Record<string, { cluster: string; sends: (ts: number) => boolean }> = {
  'gpu-a': { cluster: 'c1', sends: (ts) => !inFleetHole(ts) },
  'gpu-b': { cluster: 'c1', sends: (ts) => !inFleetHole(ts) && !(ts >= T0 + 20 * MIN && ts < T0 + 35 * MIN) },
  'cpu-c': { cluster: 'c2', sends: (ts) => !inFleetHole(ts) },
  lone: { cluster: 'c3', sends: (ts) => ts === LONE_AT },
};
const i = (ts: number) => (ts - T0) / EVERY;
const A0 = { gpu: '0', uuid: 'GPU-a0' };
const A1 = { gpu: '1', uuid: 'GPU-a1' };
const FED: Fed[] = [
  // A peak on gpu-a's first GPU from T0+40m to T0+45m.
  { node: 'gpu-a', metric: 'gpu_power_watts', labels: A0, value: (ts) => 200 + (i(ts) % 4) * 10 + (ts >= T0 + 40 * MIN && ts < T0 + 45 * MIN ? 300 : 0) },
  { node: 'gpu-a', metric: 'gpu_power_watts', labels: A1, value: (ts) => 100 + (i(ts) % 3) * 5 },
  { node: 'gpu-a', metric: 'gpu_utilization_percent', labels: A0, value: (ts) => 80 + (i(ts) % 5) },
  { node: 'gpu-a', metric: 'gpu_utilization_percent', labels: A1, value: () => 30 },
  { node: 'gpu-a', metric: 'gpu_temperature_celsius', labels: A0, value: (ts) => 60 + (i(ts) % 3) },
  { node: 'gpu-a', metric: 'gpu_temperature_celsius', labels: A1, value: () => 45 },
  { node: 'gpu-a', metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0', domain: 'package' }, value: () => 90 },
  { node: 'gpu-a', metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0:0', domain: 'dram' }, value: (ts) => 15 + (i(ts) % 2) },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...A0, pid: '10', pod_uid: 'u1', namespace: 'ml', pod: 'trainer-0', container: 'main' }, value: (ts) => 150 + (i(ts) % 4) * 10 },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...A0, pid: 'idle' }, value: () => 40 },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...A1, pid: '11', pod_uid: 'u2', namespace: 'web', pod: 'api-0', container: 'main' }, value: () => 60 },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...A1, pid: '12' }, value: (ts) => 20 + (i(ts) % 2) * 10 },
  { node: 'gpu-a', metric: 'gpu_process_power_watts', labels: { ...A1, pid: 'idle' }, value: () => 10 },
  { node: 'gpu-b', metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-b0' }, value: (ts) => 250 + (i(ts) % 2) * 20 },
  { node: 'cpu-c', metric: 'node_power_watts', labels: { source: 'dcmi' }, value: (ts) => 300 + (i(ts) % 3) * 10 },
  { node: 'cpu-c', metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0', domain: 'package' }, value: () => 120 },
  { node: 'lone', metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-l0' }, value: () => 123.5 },
];
const sentAt = (node: string) => (node === 'lone' ? [LONE_AT] : TIMES.filter(NODES[node]!.sends));
const samplesOf = (node: string): Sample[] => FED.filter((f) => f.node === node).flatMap((f) => sentAt(node).map((ts) => ({ metric: f.metric, labels: f.labels, value: f.value(ts), ts })));

// ---- Expected figures, from the samples above.
const stepOf = (ts: number) => Math.floor(ts / STEP) * STEP;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const kwh = (watts: number) => (watts * STEP) / 3.6e9;
const cost = (k: number) => Math.round(k * PRICE * 100) / 100;
const stepsOf = (node: string) => [...new Set(sentAt(node).map(stepOf))].sort((a, b) => a - b);
/** Average of a series' samples in the step starting at t. */
const avg = (f: Fed, t: number) => mean(sentAt(f.node).filter((ts) => stepOf(ts) === t).map(f.value));
const series = (node: string, metric: string, where: Record<string, string> = {}) => FED.filter((f) => f.node === node && f.metric === metric && Object.entries(where).every(([k, v]) => f.labels[k] === v));
/** A node's power in a step: its BMC reading, else its GPUs and RAPL zones added up. */
const nodeWatts = (node: string, t: number) => {
  const bmc = series(node, 'node_power_watts');
  return bmc.length ? avg(bmc[0]!, t) : sum([...series(node, 'gpu_power_watts'), ...series(node, 'rapl_power_watts')].map((f) => avg(f, t)));
};
const byStep = (nodes: string[]) => {
  const m = new Map<number, number>();
  for (const n of nodes) for (const t of stepsOf(n)) m.set(t, (m.get(t) ?? 0) + nodeWatts(n, t));
  return [...m].sort((a, b) => a[0] - b[0]);
};
const peakOf = (s: [number, number][]) => s.reduce((best, p) => (p[1] > best[1] ? p : best));
const nodeNames = Object.keys(NODES);
const fleetSeries = byStep(nodeNames);
const fleetKwh = sum(fleetSeries.map(([, w]) => kwh(w)));
const share = (k: number, whole: number) => Math.round((k / whole) * 1000) / 10;
const allSteps = Array.from({ length: (END - START) / STEP }, (_, k) => START + k * STEP);

function expectedNodes(): Row[] {
  return nodeNames.map((n) => {
    const w = stepsOf(n).map((t) => nodeWatts(n, t));
    const k = sum(w.map(kwh));
    const [peakAt, peak] = peakOf(stepsOf(n).map((t, j) => [t, w[j]!]));
    const gpus = series(n, 'gpu_power_watts');
    return {
      cluster: NODES[n]!.cluster,
      node: n,
      energy_kwh: k,
      cost: cost(k),
      share_percent: share(k, fleetKwh),
      average_power_watts: mean(w),
      peak_power_watts: peak,
      peak_at: peakAt,
      average_gpu_power_watts: gpus.length ? mean(stepsOf(n).map((t) => sum(gpus.map((f) => avg(f, t))))) : null,
      coverage_percent: Math.round((stepsOf(n).length / allSteps.length) * 1000) / 10,
      energy_method: 'power_integral',
    };
  });
}

function expectedClusters(): Row[] {
  return [...new Set(nodeNames.map((n) => NODES[n]!.cluster))].map((c) => {
    const members = nodeNames.filter((n) => NODES[n]!.cluster === c);
    const s = byStep(members);
    const k = sum(s.map(([, w]) => kwh(w)));
    const [peakAt, peak] = peakOf(s);
    return { cluster: c, nodes: members.length, gpus: sum(members.map((n) => series(n, 'gpu_power_watts').length)), energy_kwh: k, cost: cost(k), share_percent: share(k, fleetKwh), average_power_watts: mean(s.map(([, w]) => w)), peak_power_watts: peak, peak_at: peakAt };
  });
}

function expectedGpus(): Row[] {
  return nodeNames.flatMap((n) =>
    series(n, 'gpu_power_watts').map((f) => {
      const w = stepsOf(n).map((t) => avg(f, t));
      const own = (metric: string) => series(n, metric, { uuid: f.labels.uuid! })[0];
      const util = own('gpu_utilization_percent');
      const temp = own('gpu_temperature_celsius');
      const k = sum(w.map(kwh));
      return {
        cluster: NODES[n]!.cluster,
        node: n,
        gpu: f.labels.gpu!,
        uuid: f.labels.uuid!,
        energy_kwh: k,
        cost: cost(k),
        average_power_watts: mean(w),
        peak_power_watts: Math.max(...w),
        average_utilization_percent: util ? mean(stepsOf(n).map((t) => avg(util, t))) : null,
        max_temperature_celsius: temp ? Math.max(...stepsOf(n).map((t) => avg(temp, t))) : null,
      };
    }),
  );
}

/** Each step, each GPU's power split by its processes' shares (idle, host, pod namespace), or whole `unattributed` without a split. */
function expectedNamespaces(): Row[] {
  const acc = new Map<string, { cluster: string; kind: string; namespace: string | null; kwh: number }>();
  const add = (cluster: string, kind: string, namespace: string | null, watts: number) => {
    const key = `${cluster}/${kind}/${namespace}`;
    const e = acc.get(key) ?? { cluster, kind, namespace, kwh: 0 };
    e.kwh += kwh(watts);
    acc.set(key, e);
  };
  for (const n of nodeNames) {
    const cluster = NODES[n]!.cluster;
    for (const gpu of series(n, 'gpu_power_watts')) {
      const procs = series(n, 'gpu_process_power_watts', { uuid: gpu.labels.uuid! });
      for (const t of stepsOf(n)) {
        const w = avg(gpu, t);
        if (!procs.length) add(cluster, 'unattributed', null, w);
        const total = sum(procs.map((p) => avg(p, t)));
        for (const p of procs) {
          const kind = p.labels.pid === 'idle' ? 'idle' : p.labels.pod ? 'pod' : 'host';
          add(cluster, kind, kind === 'pod' ? p.labels.namespace! : null, (w * avg(p, t)) / total);
        }
      }
    }
  }
  const rows = [...acc.values()].sort((a, b) => b.kwh - a.kwh);
  const gpuKwh = sum(rows.map((r) => r.kwh));
  return rows.map((r) => ({ cluster: r.cluster, kind: r.kind, namespace: r.namespace, energy_kwh: r.kwh, cost: cost(r.kwh), share_percent: share(r.kwh, gpuKwh) }));
}

/** Runs of steps where `missing`, kept when some step of the run has `keep`. */
function runs(scope: string, missing: (t: number) => boolean, keep: (t: number) => boolean): Row[] {
  const out: Row[] = [];
  let from: number | null = null;
  let kept = false;
  for (const t of [...allSteps, END]) {
    if (t < END && missing(t)) {
      from ??= t;
      kept ||= keep(t);
      continue;
    }
    if (from !== null && kept) out.push({ scope, from, to: t, steps: (t - from) / STEP });
    from = null;
    kept = false;
  }
  return out;
}
function expectedGaps(): Row[] {
  const fleetHas = new Set(nodeNames.flatMap(stepsOf));
  return [
    ...runs('fleet', (t) => !fleetHas.has(t), () => true),
    ...nodeNames
      .slice()
      .sort()
      .flatMap((n) => runs(`${NODES[n]!.cluster}/${n}`, (t) => !stepsOf(n).includes(t), (t) => fleetHas.has(t))),
  ];
}

function expectedTop(nodes: Row[], gpus: Row[], namespaces: Row[]): Row[] {
  const top = (kind: string, rows: { name: string; k: number }[]) =>
    rows
      .sort((a, b) => b.k - a.k)
      .slice(0, 5)
      .map((r, j) => ({ kind, rank: j + 1, name: r.name, energy_kwh: r.k, cost: cost(r.k), share_percent: share(r.k, fleetKwh) }));
  return [
    ...top('node', nodes.map((n) => ({ name: `${n.cluster}/${n.node}`, k: n.energy_kwh as number }))),
    ...top('gpu', gpus.map((g) => ({ name: `${g.cluster}/${g.node}/gpu ${g.gpu}`, k: g.energy_kwh as number }))),
    ...top('namespace', namespaces.map((n) => ({ name: n.kind === 'pod' ? `${n.cluster}/${n.namespace}` : `${n.cluster} (${n.kind})`, k: n.energy_kwh as number }))),
  ];
}

// ---- Reading the files back.
/** Equal as printed: 3 decimals from 1 up, 6 significant digits below (pdfNumber); namespace shares come from watts rounded to 1 mW. */
const near = (actual: number, expected: number) => Math.abs(actual - expected) <= (Math.abs(expected) >= 1 ? 0.0011 : Math.abs(expected) * 2e-5 + 1e-12);
/** A printed cell equals the expected one: numbers within the printed precision, text exactly. */
function sameCell(printed: string, expected: string): boolean {
  const a = Number(printed);
  const e = Number(expected);
  return printed !== '' && expected !== '' && Number.isFinite(a) && Number.isFinite(e) ? near(a, e) : printed === expected;
}
/** The line of the pdftotext -layout output whose words start like the expected row, checked word by word. */
function expectPdfRow(text: string, columns: readonly Column[], row: Row): void {
  const words = columns.flatMap((c) => pdfCell(c, row[c.key]).split(' '));
  const lines = text.split('\n').map((l) => l.trim().split(/\s+/));
  const line = lines.find((l) => l.length === words.length && l.slice(0, 2).join(' ') === words.slice(0, 2).join(' ') && l.every((w, k) => sameCell(w, words[k]!)));
  expect(line, `no line reads ${words.join(' ')} in\n${text}`).toBeDefined();
}
function expectSheetRow(sheet: unknown[][], row: Row, columns: readonly Column[]): void {
  expect(sheet[0]).toEqual(columns.map((c) => c.key));
  const found = sheet.slice(1).some((r) =>
    columns.every((c, k) => {
      const e = row[c.key] ?? null;
      const v = r[k] ?? null;
      if (c.type === 'timestamp') return e === null ? v === null : Date.parse(v as string) === e;
      // Energy to 10 ppm (namespace shares come from watts rounded to 1 mW); watts are rounded to 1 mW, percentages and costs are exact.
      return typeof e === 'number' && typeof v === 'number' ? Math.abs(v - e) <= (c.key === 'energy_kwh' ? Math.abs(e) * 1e-5 : 1e-3) : v === e;
    }),
  );
  expect(found, `no row ${JSON.stringify(row)} in ${JSON.stringify(sheet)}`).toBe(true);
}

const PY_XLSX = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
conv = lambda c: c.isoformat() + 'Z' if isinstance(c, datetime.datetime) else c
print(json.dumps({ws.title: [[conv(c) for c in r] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}))
`;

/** Page 1 rendered at 144 dpi (2 pixels a point), and the chart's plot on it in pixels; the axis spans [start, end). */
async function renderChart(file: string, start = START, end = END) {
  const prefix = join(mkdtempSync(join(tmpdir(), 'kcloud-report-png-')), 'page');
  await execa('pdftoppm', ['-png', '-r', '144', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  const b = REPORT_CHART_BOX;
  const p = plotArea(b.x, b.y, b.width, b.height);
  const plot = { x: p.x * 2, y: p.y * 2, width: p.width * 2, height: p.height * 2 };
  const rgb = (hex: string) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const is = (x: number, y: number, hex: string) => {
    const o = (png.width * Math.round(y) + Math.round(x)) * 4;
    return rgb(hex).every((c, k) => Math.abs(png.data[o + k]! - c) <= 12);
  };
  /** Pixels of the colour in one column (x in pixels) of the plot. */
  const countInColumn = (x: number, hex: string) => {
    let n = 0;
    for (let y = Math.floor(plot.y); y < plot.y + plot.height; y++) if (is(x, y, hex)) n++;
    return n;
  };
  /** Columns (x in pixels) of the plot holding a pixel of the colour. */
  const columnsWith = (hex: string) => {
    const xs: number[] = [];
    for (let x = Math.floor(plot.x); x < plot.x + plot.width; x++) if (countInColumn(x, hex) > 0) xs.push(x);
    return xs;
  };
  /** Where a time falls on the axis: the report's whole period spans the plot. */
  const xOf = (t: number) => plot.x + ((t - start) / (end - start)) * plot.width;
  return { columnsWith, countInColumn, xOf, plot };
}

describe('reports (/api/v1/export/report)', () => {
  let api: ApiHub;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-report-'));
  let n = 0;
  async function download(path: string): Promise<{ res: Response; file: string }> {
    const res = await api.request(path);
    expect(res.status, path).toBe(200);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'body';
    const file = join(mkdtempSync(join(dir, `${++n}-`)), name);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return { res, file };
  }
  const pdfText = async (file: string) => (await execa('pdftotext', ['-layout', file, '-'])).stdout;
  const xlsx = async (file: string): Promise<Record<string, unknown[][]>> => JSON.parse((await execa('/usr/bin/python3', ['-c', PY_XLSX, file])).stdout);
  const daily = (extra = '') => `/api/v1/export/report?template=daily&end_time=${new Date(END).toISOString()}${extra}`;

  beforeAll(async () => {
    api = await startApiHub({ clouds: { onprem: { electricityPrice: PRICE, currency: CURRENCY } } });
    const nodes: Record<string, TestNode> = {};
    for (const name of nodeNames) nodes[name] = await api.addNode(name, NODES[name]!.cluster);
    for (const name of nodeNames) await api.publishTelemetry(nodes[name]!, samplesOf(name));
  });
  afterAll(async () => {
    await api?.close();
  });

  it('prints every section of the daily PDF with the figures the samples give', async () => {
    const { res, file } = await download(daily('&format=pdf'));
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = await pdfText(file);
    for (const heading of ['Summary', 'Fleet power', 'Top consumers', 'Clusters', 'Nodes', 'GPUs', 'Namespaces', 'Data gaps']) expect(text).toContain(heading);

    const value = (metric: string) => new RegExp(`^\\s*${metric}\\s+(\\S+(?: \\d\\d:\\d\\d UTC)?)`, 'm').exec(text)?.[1];
    const [peakAt, peak] = peakOf(fleetSeries);
    const gaps = expectedGaps();
    expect(Number(value('energy_kwh'))).toSatisfy((v: number) => near(v, fleetKwh));
    expect(Number(value('cost'))).toBe(cost(fleetKwh));
    expect(value('currency')).toBe(CURRENCY);
    expect(Number(value('price_per_kwh'))).toBe(PRICE);
    expect(Number(value('average_power_watts'))).toSatisfy((v: number) => near(v, mean(fleetSeries.map(([, w]) => w))));
    expect(Number(value('peak_power_watts'))).toSatisfy((v: number) => near(v, peak));
    expect(value('peak_at')).toBe(`${pdfTime(peakAt)} UTC`);
    expect(value('from')).toBe(`${pdfTime(START)} UTC`);
    expect(value('to')).toBe(`${pdfTime(END)} UTC`);
    expect(Number(value('clusters'))).toBe(expectedClusters().length);
    expect(Number(value('nodes'))).toBe(nodeNames.length);
    expect(Number(value('gpus'))).toBe(expectedGpus().length);
    expect(Number(value('coverage_percent'))).toBe(Math.round((new Set(nodeNames.flatMap(stepsOf)).size / allSteps.length) * 1000) / 10);
    expect(Number(value('gaps'))).toBe(gaps.length);
    // The chart's peak label, on the same figures.
    expect(text).toMatch(new RegExp(`peak ([\\d.]+) W at ${pdfTime(peakAt)} UTC`));

    const nodes = expectedNodes();
    const gpus = expectedGpus();
    const namespaces = expectedNamespaces();
    for (const r of expectedClusters()) expectPdfRow(text, CLUSTER_COLUMNS, r);
    for (const r of nodes) expectPdfRow(text, NODE_COLUMNS, r);
    for (const r of gpus) expectPdfRow(text, GPU_COLUMNS, r);
    expect(namespaces.map((r) => r.namespace)).toEqual(expect.arrayContaining(['ml', 'web']));
    for (const r of namespaces) expectPdfRow(text, NAMESPACE_COLUMNS, r);
    for (const r of expectedTop(nodes, gpus, namespaces)) expectPdfRow(text, TOP_COLUMNS, r);
    // The gaps: the fleet's hole, before and after its data, gpu-b's own, and lone's everything but one step.
    expect(gaps.filter((g) => g.scope === 'fleet').map((g) => [g.from, g.to])).toContainEqual([T0 + 60 * MIN, T0 + 90 * MIN]);
    expect(gaps.filter((g) => g.scope === 'c1/gpu-b').map((g) => [g.from, g.to])).toEqual([[T0 + 20 * MIN, T0 + 35 * MIN]]);
    for (const g of gaps) expectPdfRow(text, GAP_COLUMNS, { ...g, duration: pdfDuration(g.to as number, g.from as number) });
  });

  it('draws the fleet power over the whole day, with the hole shaded and no line across it', async () => {
    const { file } = await download(daily('&format=pdf'));
    const chart = await renderChart(file);
    const line = chart.columnsWith(CHART_COLORS.line);
    expect(line.length).toBeGreaterThan(0);
    // The data is the last 2.5 h of the day: on an axis spanning the day it sits at the right, from T0 to the last step.
    const first = fleetSeries[0]![0];
    const last = fleetSeries[fleetSeries.length - 1]![0];
    expect(Math.abs(Math.min(...line) - chart.xOf(first))).toBeLessThanOrEqual(3);
    expect(Math.abs(Math.max(...line) - chart.xOf(last))).toBeLessThanOrEqual(3);
    const hole = chart.xOf(T0 + 75 * MIN);
    expect(chart.countInColumn(Math.round(hole), CHART_COLORS.gap)).toBeGreaterThan(chart.plot.height / 2);
    expect(chart.countInColumn(Math.round(hole), CHART_COLORS.line)).toBe(0);
    // Before T0 nothing was sent: shaded, no line.
    const before = chart.xOf(START + (T0 - START) / 2);
    expect(chart.countInColumn(Math.round(before), CHART_COLORS.gap)).toBeGreaterThan(chart.plot.height / 2);
    expect(line.every((x) => x >= chart.xOf(first) - 3)).toBe(true);
  });

  it('draws a day with a single sample as a point where it falls in the day', async () => {
    const { file } = await download(daily('&format=pdf&cluster=c3'));
    const text = await pdfText(file);
    expect(text).toContain('GPU-l0');
    expect(text).not.toContain('GPU-a0');
    const chart = await renderChart(file);
    const line = chart.columnsWith(CHART_COLORS.line);
    const at = chart.xOf(stepOf(LONE_AT));
    expect(line.length).toBeGreaterThan(2);
    for (const x of line) expect(Math.abs(x - at)).toBeLessThanOrEqual(5);
    expect(chart.columnsWith(CHART_COLORS.mark).length).toBeGreaterThan(0);
  });

  it.each([
    ['weekly', 3_600_000],
    ['monthly', 6 * 3_600_000],
  ])('draws the %s report over its whole period, the data where it falls in it', async (template, stepMs) => {
    const { file } = await download(`/api/v1/export/report?template=${template}&format=pdf&end_time=${new Date(END).toISOString()}`);
    const text = await pdfText(file);
    const printed = (metric: string) => Date.parse(`${new RegExp(`^\\s*${metric}\\s+(\\S+ \\S+) UTC`, 'm').exec(text)![1]!.replace(' ', 'T')}:00Z`);
    const [from, to] = [printed('from'), printed('to')];
    expect(to).toBe(END);
    // The period (a week, 30 days), its start moved down onto the step grid.
    expect(from).toBe(Math.floor((END - (template === 'weekly' ? 7 : 30) * 86_400_000) / stepMs) * stepMs);
    const steps = [...new Set(nodeNames.flatMap(sentAt).map((ts) => Math.floor(ts / stepMs) * stepMs))].sort((a, b) => a - b);
    const chart = await renderChart(file, from, to);
    const line = chart.columnsWith(CHART_COLORS.line);
    expect(line.length).toBeGreaterThan(2);
    expect(Math.abs(Math.min(...line) - chart.xOf(steps[0]!))).toBeLessThanOrEqual(5);
    expect(Math.abs(Math.max(...line) - chart.xOf(steps[steps.length - 1]!))).toBeLessThanOrEqual(5);
  });

  it('reports a period without data as one gap over the whole of it, every section saying it is empty', async () => {
    const end = Date.parse('2024-01-02T00:00:00Z');
    const start = end - 86_400_000;
    const { file } = await download(`/api/v1/export/report?template=daily&format=pdf&end_time=${new Date(end).toISOString()}`);
    const text = await pdfText(file);
    for (const line of ['no data in this range', 'No energy in this period.', 'No node sent power in this period.', 'No GPU in this period.', 'No GPU energy in this period.']) expect(text).toContain(line);
    expect(/^\s*coverage_percent\s+(\S+)/m.exec(text)?.[1]).toBe('0');
    expect(/^\s*energy_kwh\s+(\S+)/m.exec(text)?.[1]).toBe('-');
    expectPdfRow(text, GAP_COLUMNS, { scope: 'fleet', from: start, to: end, duration: pdfDuration(end, start), steps: 86_400_000 / STEP });
    const chart = await renderChart(file, start, end);
    expect(chart.columnsWith(CHART_COLORS.line)).toEqual([]);
    expect(chart.countInColumn(Math.round(chart.xOf(start + 43_200_000)), CHART_COLORS.gap)).toBeGreaterThan(chart.plot.height / 2);
    const book = await xlsx((await download(`/api/v1/export/report?template=daily&format=excel&end_time=${new Date(end).toISOString()}`)).file);
    expect(book.gaps!.slice(1).map(([scope, from, to, ...rest]) => [scope, Date.parse(from as string), Date.parse(to as string), ...rest])).toEqual([['fleet', start, end, '1d', 86_400_000 / STEP]]);
    for (const sheet of ['top_consumers', 'clusters', 'nodes', 'gpus', 'namespaces', 'power']) expect(book[sheet]!.length, sheet).toBe(1);
  });

  it('carries the same sections as sheets in the Excel report', async () => {
    const { res, file } = await download(daily('&format=excel'));
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="daily_report_.*\.xlsx"$/);
    const book = await xlsx(file);
    expect(Object.keys(book)).toEqual(['summary', 'top_consumers', 'clusters', 'nodes', 'gpus', 'namespaces', 'gaps', 'power']);
    const summary = Object.fromEntries(book.summary!.slice(1) as [string, unknown][]);
    const [peakAt, peak] = peakOf(fleetSeries);
    expect(summary.energy_kwh).toBeCloseTo(fleetKwh, 9);
    expect(summary.cost).toBe(cost(fleetKwh));
    expect(summary.currency).toBe(CURRENCY);
    expect(summary.peak_power_watts).toBeCloseTo(peak, 3);
    expect(summary.peak_at).toBe(new Date(peakAt).toISOString());
    const nodes = expectedNodes();
    const gpus = expectedGpus();
    const namespaces = expectedNamespaces();
    const sheets: [string, readonly Column[], Row[]][] = [
      ['clusters', CLUSTER_COLUMNS, expectedClusters()],
      ['nodes', NODE_COLUMNS, nodes],
      ['gpus', GPU_COLUMNS, gpus],
      ['namespaces', NAMESPACE_COLUMNS, namespaces],
      ['top_consumers', TOP_COLUMNS, expectedTop(nodes, gpus, namespaces)],
      ['gaps', GAP_COLUMNS, expectedGaps().map((g) => ({ ...g, duration: pdfDuration(g.to as number, g.from as number) }))],
    ];
    for (const [name, columns, rows] of sheets) {
      expect(book[name]!.length - 1, name).toBe(rows.length);
      for (const r of rows) expectSheetRow(book[name]!, r, columns);
    }
    expect(book.power!.slice(1).map((r) => [Date.parse(r[0] as string), r[1]])).toEqual(fleetSeries.map(([t, w]) => [t, expect.closeTo(w, 3)]));
  });

  it('leaves costs empty and says why when no electricity price is configured', async () => {
    const bare = await startApiHub();
    try {
      const node = await bare.addNode('gpu-a', 'c1');
      await bare.publishTelemetry(node, samplesOf('gpu-a'));
      const res = await bare.request(daily('&format=pdf'));
      const file = join(mkdtempSync(join(dir, 'bare-')), 'r.pdf');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const text = await pdfText(file);
      expect(text).toContain('no electricity price is configured (clouds.onprem.electricityPrice)');
      expect(/^\s*cost\s+(\S+)/m.exec(text)?.[1]).toBe('-');
      expect(Number(/^\s*energy_kwh\s+(\S+)/m.exec(text)?.[1])).toSatisfy((v: number) => near(v, sum(stepsOf('gpu-a').map((t) => kwh(nodeWatts('gpu-a', t))))));
    } finally {
      await bare.close();
    }
  });
});

/** A gap's length as the report prints it (`1h 30m`), from its bounds. */
function pdfDuration(to: number, from: number): string {
  const m = Math.round((to - from) / MIN);
  const parts = [Math.floor(m / 1440) ? `${Math.floor(m / 1440)}d` : '', Math.floor((m % 1440) / 60) ? `${Math.floor((m % 1440) / 60)}h` : '', m % 60 ? `${m % 60}m` : ''];
  return parts.filter(Boolean).join(' ');
}
