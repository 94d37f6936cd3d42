import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/mosquitto.js';
import { PROMETHEUS_BIN } from '../../helpers/prometheus.js';
import { waitFor } from '../../helpers/spawn-agent.js';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

/** A series as the engine returns it: its labels and raw samples, oldest first. */
export interface StoredSeries {
  labels: Record<string, string>;
  samples: [ts: number, value: number][];
}

/** A real remote-write receiver on a free loopback port with its data in a temp dir; stop() and start() keep both. */
export interface Engine {
  writeUrl: string;
  /** Raw samples of every series matching a PromQL selector, read back through the engine's own API. */
  series(selector: string): Promise<StoredSeries[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  logs: string[];
}

function requireBin(bin: string, pkg: string): string {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y ${pkg}`);
  return bin;
}

async function runEngine(bin: string, args: string[], readyUrl: string): Promise<Pick<Engine, 'stop' | 'start' | 'logs'>> {
  let child: ChildProcess | null = null;
  const logs: string[] = [];
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  const start = async () => {
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
    c.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    try {
      await waitFor(async () => {
        if (c.exitCode !== null) throw new Error(`${bin} exited ${c.exitCode}: ${logs.join('')}`);
        return fetch(readyUrl).then((r) => r.ok, () => false);
      }, 60_000, `${bin} ready`);
    } catch (err) {
      await stop();
      throw err;
    }
  };
  await start();
  return { start, stop, logs };
}

/**
 * Debian's victoria-metrics (single node); identical (series, ts) samples are
 * deduplicated, as a cluster with replication would be set up. With
 * `basicAuth`, every endpoint wants it (-httpAuth.*), the write one included.
 */
export async function startVictoriaMetrics(opts: { basicAuth?: [string, string] } = {}): Promise<Engine & { query(promql: string, time: number): Promise<StoredSeries[]> }> {
  const bin = requireBin(VICTORIA_METRICS_BIN, 'victoria-metrics');
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const engine = await runEngine(
    bin,
    [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=10y', '-dedup.minScrapeInterval=1ms', '-loggerLevel=ERROR', ...(opts.basicAuth ? [`-httpAuth.username=${opts.basicAuth[0]}`, `-httpAuth.password=${opts.basicAuth[1]}`] : [])],
    `${url}/health`,
  );
  const headers: Record<string, string> = opts.basicAuth ? { Authorization: `Basic ${Buffer.from(opts.basicAuth.join(':')).toString('base64')}` } : {};
  return {
    ...engine,
    writeUrl: `${url}/api/v1/write`,
    async series(selector) {
      // Makes what was just written searchable (VictoriaMetrics buffers recent rows for about a second).
      await fetch(`${url}/internal/force_flush`, { headers });
      const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': selector, start: '0' })}`, { headers });
      if (!res.ok) throw new Error(`export ${selector}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const row = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
          const samples = row.timestamps.map((ts, i): [number, number] => [ts, row.values[i]!]).sort((a, b) => a[0] - b[0]);
          return { labels: row.metric, samples };
        });
    },
    /** A PromQL instant query through /api/v1/query; a range selector (`m[1h]`) answers with the raw samples of its window. */
    async query(promql, time) {
      await fetch(`${url}/internal/force_flush`, { headers });
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql, time: String(time / 1000) })}`, { headers });
      const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };
      if (body.status !== 'success' || body.data.resultType !== 'matrix') throw new Error(`query ${promql}: ${res.status} ${body.error ?? body.data.resultType}`);
      return body.data.result.map((r) => ({ labels: r.metric, samples: r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]) }));
    },
  };
}

/** Debian's prometheus with its remote-write receiver on; series read back as a range vector (raw samples). */
export async function startPrometheusReceiver(): Promise<Engine> {
  const bin = requireBin(PROMETHEUS_BIN, 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-prom-rw-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global: {}\nscrape_configs: []\n');
  const engine = await runEngine(
    bin,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
    `${url}/-/ready`,
  );
  return {
    ...engine,
    writeUrl: `${url}/api/v1/write`,
    async series(selector) {
      const params = new URLSearchParams({ query: `${selector}[1d]`, time: String(Date.now() / 1000 + 60) });
      const res = await fetch(`${url}/api/v1/query?${params}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
      if (body.status !== 'success') throw new Error(`query ${selector}: ${body.error}`);
      return body.data.result.map((r) => ({ labels: r.metric, samples: r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]) }));
    },
  };
}
