/**
 * The peers of bench/compare-tsdb.ts, Debian's Prometheus and
 * VictoriaMetrics, as child processes on free loopback ports with their data
 * in a temp dir: bulk load, on-disk size, CPU, PromQL range queries and raw
 * read-back through each one's own HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMETHEUS_BIN, PROMTOOL_BIN, requireTool } from '../test/helpers/prometheus.js';
import { freePort } from '../test/helpers/mosquitto.js';
import { stopChild, waitFor } from '../test/helpers/spawn-agent.js';
import { VICTORIA_METRICS_BIN } from '../test/hub/remote-write/engines.js';
import { childrenCpuSeconds } from './proc-stat.js';

/** Bytes of the regular files under `dir` (apparent size, as for the kcloud file), skipping names in `skip`. */
export function dirBytes(dir: string, skip: ReadonlySet<string> = new Set()): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p, skip);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** The installed version of a Debian package (Debian's victoria-metrics prints none of its own). */
export async function packageVersion(pkg: string): Promise<string> {
  return `${pkg} ${(await runMeasured('dpkg-query', ['-W', '-f', '${Version}', pkg])).output.trim()}`;
}

/** Runs a tool to its end; its CPU from this process's children counters. Throws with its output when it fails. */
export async function runMeasured(bin: string, args: string[]): Promise<{ cpuSeconds: number; output: string }> {
  const cpu0 = childrenCpuSeconds();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${code}: ${output}`);
  return { cpuSeconds: childrenCpuSeconds() - cpu0, output };
}

/** A raw series as read back: labels and [ts ms, value] samples, oldest first. */
export interface ReadBack {
  labels: Record<string, string>;
  samples: [number, number][];
}

export interface PeerServer {
  name: string;
  url: string;
  pid: number;
  /** A PromQL range query through /api/v1/query_range (times in ms, inclusive end as PromQL has it); the number of points. */
  queryRange(promql: string, start: number, end: number, step: number): Promise<number>;
  /** Raw samples of the series matching `selector` in [start, end]. */
  readRaw(selector: string, start: number, end: number): Promise<ReadBack[]>;
  stop(): Promise<void>;
}

async function startServer(bin: string, args: string[], readyUrl: string): Promise<{ child: ChildProcess; logs: string[] }> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${bin} exited ${child.exitCode}: ${logs.join('')}`);
      return fetch(readyUrl).then((r) => r.ok, () => false);
    }, 120_000, `${bin} ready`);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { child, logs };
}

type Matrix = { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

function rangeQuery(base: string, extra: Record<string, string>) {
  return async (promql: string, start: number, end: number, step: number) => {
    const params = new URLSearchParams({ query: promql, start: String(start / 1000), end: String(end / 1000), step: String(step / 1000), ...extra });
    const body = await getJson<Matrix>(`${base}/api/v1/query_range?${params}`);
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result.reduce((a, s) => a + s.values.length, 0);
  };
}

const matrixToReadBack = (body: Matrix): ReadBack[] =>
  body.data.result.map((r) => ({ labels: r.metric, samples: r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]) }));

/** `promtool tsdb create-blocks-from openmetrics`: the blocks written into `dataDir`, and promtool's CPU. */
export async function promtoolCreateBlocks(openMetricsFile: string, dataDir: string): Promise<{ cpuSeconds: number; output: string }> {
  return runMeasured(requireTool(PROMTOOL_BIN), ['tsdb', 'create-blocks-from', 'openmetrics', openMetricsFile, dataDir]);
}

/** Bytes of Prometheus' blocks (the dirs with a meta.json): chunks, index, meta, tombstones; not its WAL or query log. */
export function prometheusBlockBytes(dataDir: string): { bytes: number; blocks: number } {
  const blocks = readdirSync(dataDir).filter((d) => existsSync(join(dataDir, d, 'meta.json')));
  return { bytes: blocks.reduce((a, b) => a + dirBytes(join(dataDir, b)), 0), blocks: blocks.length };
}

/** Prometheus serving (and compacting) the blocks in `dataDir`, scraping nothing. */
export async function startPrometheusOn(dir: string, dataDir: string): Promise<PeerServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global: {}\nscrape_configs: []\n');
  const { child } = await startServer(
    requireTool(PROMETHEUS_BIN),
    [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, '--storage.tsdb.retention.time=30d', `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    `${url}/-/ready`,
  );
  return {
    name: 'Prometheus',
    url,
    pid: child.pid!,
    queryRange: rangeQuery(url, {}),
    async readRaw(selector, start, end) {
      // A range vector at `end` gives the raw samples of its window.
      const seconds = Math.ceil((end - start) / 1000) + 1;
      const body = await getJson<Matrix>(`${url}/api/v1/query?${new URLSearchParams({ query: `${selector}[${seconds}s]`, time: String(end / 1000) })}`);
      if (body.status !== 'success') throw new Error(`${selector}: ${body.error}`);
      return matrixToReadBack(body);
    },
    stop: () => stopChild(child),
  };
}

export interface VictoriaMetrics extends PeerServer {
  /** POSTs import lines to /api/v1/import. */
  importJsonLines(body: string): Promise<void>;
  /** force_flush, force_merge of every partition, then waits until no merge is running. */
  compact(): Promise<void>;
  /** Bytes under -storageDataPath (data and indexdb; the cache dir is written only at shutdown). */
  bytes(): number;
}

/**
 * Debian's victoria-metrics with its query caches off (-search.disableCache,
 * and nocache=1 on each query), retention long enough for any run.
 */
export async function startVictoriaMetrics(dataDir: string): Promise<VictoriaMetrics> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child } = await startServer(
    requireTool(VICTORIA_METRICS_BIN),
    [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=10y', '-search.disableCache', '-loggerLevel=ERROR'],
    `${url}/health`,
  );
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  return {
    name: 'VictoriaMetrics',
    url,
    pid: child.pid!,
    async importJsonLines(body) {
      const res = await fetch(`${url}/api/v1/import`, { method: 'POST', body });
      if (!res.ok) throw new Error(`import: ${res.status} ${await res.text()}`);
    },
    async compact() {
      await getText(`${url}/internal/force_flush`);
      // The merge runs in the background (vm_active_force_merges); then its own merges settle.
      await getText(`${url}/internal/force_merge`);
      await waitFor(async () => (await metric('vm_active_force_merges')) === 0 && (await metric('vm_active_merges')) === 0, 3_600_000, 'VictoriaMetrics merges');
    },
    bytes: () => dirBytes(dataDir, new Set(['cache'])),
    queryRange: rangeQuery(url, { nocache: '1' }),
    async readRaw(selector, start, end) {
      const res = await getText(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': selector, start: String(start / 1000), end: String(end / 1000) })}`);
      return res
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const row = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
          return { labels: row.metric, samples: row.timestamps.map((ts, i): [number, number] => [ts, row.values[i]!]).sort((a, b) => a[0] - b[0]) };
        });
    },
    stop: () => stopChild(child),
  };
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 500)}`);
  return text;
}
