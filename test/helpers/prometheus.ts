import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { freePort } from './mosquitto.js';
import { waitFor } from './spawn-agent.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** The tools from Debian's `prometheus` package (installed by .ci/run); a clear failure when absent. */
export function requireTool(bin: string): string {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y prometheus`);
  return bin;
}

export interface ScrapeTarget {
  job: string;
  /** host:port; several for one job, or none with `httpSd`. */
  target: string | string[];
  basicAuth?: [string, string];
  /** Targets from this HTTP service discovery URL (`http_sd_configs`, same basic auth) instead of `target`. */
  httpSd?: string;
  /** Targets from the files matching this glob (`file_sd_configs`, re-read every second) instead of `target`. */
  fileSd?: string;
}

export interface PrometheusOptions {
  /** `--web.enable-lifecycle`: `POST /-/reload` works. */
  lifecycle?: boolean;
}

export interface RealPrometheus {
  url: string;
  port: number;
  /** Its prometheus.yml: a test may change it and have it reloaded (`POST /-/reload` with `lifecycle`). */
  configFile: string;
  logs: string[];
  /** Instant query through the real HTTP API; the `result` array. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus server on a free loopback port, scraping `targets` every
 * 500 ms, with its config and TSDB in a fresh temp dir.
 */
export async function startPrometheus(targets: readonly ScrapeTarget[], opts: PrometheusOptions = {}): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '500ms', scrape_timeout: '500ms', evaluation_interval: '1s' },
    scrape_configs: targets.map((t) => {
      const auth = t.basicAuth ? { basic_auth: { username: t.basicAuth[0], password: t.basicAuth[1] } } : {};
      const found = t.httpSd
        ? { http_sd_configs: [{ url: t.httpSd, refresh_interval: '1s', ...auth }] }
        : t.fileSd
          ? { file_sd_configs: [{ files: [t.fileSd], refresh_interval: '1s' }] }
          : { static_configs: [{ targets: [t.target].flat() }] };
      return { job_name: t.job, ...found, ...auth };
    }),
  };
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringifyYaml(config));
  const child = spawn(
    requireTool(PROMETHEUS_BIN),
    [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...(opts.lifecycle ? ['--web.enable-lifecycle'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  child.stdout.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${logs.join('')}`);
      return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    }, 30_000, 'prometheus ready');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    configFile: file,
    logs,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
      return body.data.result;
    },
    stop,
  };
}
