import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatestValues } from '../../../agent/latest-values.js';
import { parseListen, startMetricsServer } from '../../../agent/metrics/server.js';
import { INVENTORY, nodeSamples, SELF } from './node-samples.js';

const GOLDEN = resolve(import.meta.dirname, 'golden.prom');

function promtool(): string {
  const found = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
  if (!found) throw new Error('promtool is missing: apt-get install -y prometheus');
  return found;
}

/** A raw HTTP request, for methods fetch() will not send as-is. */
function status(port: number, method: string, path: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('node /metrics server', () => {
  let server: Awaited<ReturnType<typeof startMetricsServer>>;
  let body = '';
  let contentType = '';

  beforeAll(async () => {
    const latest = new LatestValues();
    const now = Date.now();
    latest.update(nodeSamples(now), now);
    server = await startMetricsServer('127.0.0.1:0', { latest, inventory: () => INVENTORY, node: 'gpu-01', cluster: 'lab', self: () => SELF });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    body = await res.text();
    contentType = res.headers.get('content-type') ?? '';
  });
  afterAll(() => server?.close());

  it('serves the Prometheus text format on a real scrape', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('DCGM_FI_DEV_POWER_USAGE{gpu="0",');
    expect(body).toContain('kcloud_ipmi_power_watts{sensor="Total_Power",id="32h",Hostname="gpu-01",hostname="gpu-01"} 840');
  });

  it('matches the golden file exactly (UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, body);
    expect(body).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  /**
   * dcgm-exporter's own names fail promtool's style lint (label `modelName`
   * is camelCase; its counters lack `_total`). Dashboards select on exactly
   * those names, so they stay; the whole exposition must parse with no other
   * finding, and everything kcloud names itself must pass clean, exit 0.
   */
  it('passes promtool check metrics', () => {
    const bin = promtool();
    const all = spawnSync(bin, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const findings = (all.stdout + all.stderr).split('\n').filter(Boolean);
    for (const f of findings) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
    const ours = body
      .split(/\n(?=# HELP )/)
      .filter((family) => !family.startsWith('# HELP DCGM_FI_'))
      .join('\n');
    expect(ours).toContain('# TYPE kcloud_ipmi_power_watts gauge');
    const clean = spawnSync(bin, ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });

  it('answers 404 to other paths and methods', async () => {
    expect(await status(server.port, 'GET', '/')).toBe(404);
    expect(await status(server.port, 'GET', '/metricsx')).toBe(404);
    expect(await status(server.port, 'POST', '/metrics')).toBe(404);
    expect(await status(server.port, 'GET', '/metrics?debug=1')).toBe(200);
  });
});

describe('metrics.listen', () => {
  it.each([
    ['127.0.0.1:9400', { host: '127.0.0.1', port: 9400 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9400', { host: '::1', port: 9400 }],
    [':9400', { host: undefined, port: 9400 }],
  ])('parses %s', (listen, expected) => {
    expect(parseListen(listen)).toEqual(expected);
  });

  it.each(['9400', 'localhost', 'host:99999'])('rejects %s', (listen) => {
    expect(() => parseListen(listen)).toThrow(/must be host:port/);
  });

  it('fails to start on a port already taken', async () => {
    const first = await startMetricsServer('127.0.0.1:0', { latest: new LatestValues(), inventory: () => ({}), node: 'n', cluster: 'c', self: () => SELF });
    await expect(
      startMetricsServer(`127.0.0.1:${first.port}`, { latest: new LatestValues(), inventory: () => ({}), node: 'n', cluster: 'c', self: () => SELF }),
    ).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
