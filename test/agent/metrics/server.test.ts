import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowToSamples } from '../../../agent/collectors/gpu/fields.js';
import { inventoryFromRows } from '../../../agent/collectors/gpu/inventory.js';
import { parseQueryCsv } from '../../../agent/collectors/gpu/parse-csv.js';
import { parseSdr } from '../../../agent/collectors/ipmi/parse-sdr.js';
import { sensorSamples } from '../../../agent/collectors/ipmi/samples.js';
import { LatestValues } from '../../../agent/latest-values.js';
import { startMetricsServer } from '../../../agent/metrics/server.js';
import { SHARED } from '../../helpers/spawn-agent.js';

const GOLDEN = resolve(import.meta.dirname, 'golden.prom');

describe('node /metrics', () => {
  let server: Awaited<ReturnType<typeof startMetricsServer>>;
  let body = '';
  let contentType = '';

  beforeAll(async () => {
    const now = Date.now();
    const latest = new LatestValues();
    const rows = parseQueryCsv(readFileSync(`${SHARED}/fixtures/nvidia-smi-csv/h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv`, 'utf8'));
    latest.update(rows.flatMap((r) => rowToSamples(r, now)), now);
    latest.update(sensorSamples(parseSdr(readFileSync(`${SHARED}/bmc-sim/sample-output/sdr-elist.txt`, 'utf8')), now), now);
    latest.update(
      [
        { metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 840 },
        { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 123.5 },
        { metric: 'gpu_energy_joules', labels: { gpu: '0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' }, value: 5000 },
        { metric: 'agent_outbox_depth', value: 3 },
        // Stale: a GPU that disappeared ten minutes ago is not exported.
        { metric: 'gpu_power_watts', labels: { gpu: '9', uuid: 'GPU-gone' }, value: 1, ts: now - 600_000 },
      ],
      now,
    );
    server = await startMetricsServer('127.0.0.1:0', { latest, inventory: () => ({ gpus: inventoryFromRows(rows) }), node: 'gpu-01', cluster: 'lab' });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    body = await res.text();
    contentType = res.headers.get('content-type') ?? '';
  });
  afterAll(() => server?.close());

  it('exports GPU metrics under dcgm-exporter names, units and labels', () => {
    const labels = 'gpu="0",UUID="GPU-00000000-0000-0000-0000-000000000000",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-01"';
    expect(body).toContain(`DCGM_FI_DEV_POWER_USAGE{${labels}} 631.95`);
    expect(body).toContain(`DCGM_FI_DEV_GPU_UTIL{${labels}} 100`);
    // dcgm-exporter reports framebuffer in MiB and energy in mJ.
    expect(body).toContain(`DCGM_FI_DEV_FB_USED{${labels}} 19818`);
    expect(body).toContain(`DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${labels}} 5000000`);
    expect(body).toContain('# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter');
    expect(body).not.toContain('GPU-gone');
    expect(contentType).toMatch(/^text\/plain/);
  });

  it('exports BMC, RAPL and agent metrics with their own names', () => {
    expect(body).toContain('kcloud_ipmi_power_watts{sensor="Total_Power",Hostname="gpu-01"} 840');
    expect(body).toContain('kcloud_node_power_watts{source="dcmi",Hostname="gpu-01"} 840');
    expect(body).toContain('kcloud_rapl_power_watts{zone="package-0",domain="package",Hostname="gpu-01"} 123.5');
    expect(body).toContain('kcloud_agent_outbox_depth{Hostname="gpu-01"} 3');
  });

  /**
   * dcgm-exporter's own names break promtool's style lint (camelCase labels
   * `UUID`/`modelName`/`Hostname`, counters without `_total`); dashboards
   * depend on exactly those names, so they are kept. Everything else must be
   * lint-clean, and the whole exposition must parse.
   */
  it('passes promtool check metrics (dcgm-exporter naming lints aside)', () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) throw new Error('promtool missing: apt-get install -y prometheus');
    const all = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const findings = (all.stdout + all.stderr).split('\n').filter(Boolean);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
    const ours = body.split('\n\n').filter((family) => !family.includes(' DCGM_FI_')).join('\n\n');
    expect(ours).toContain('kcloud_ipmi_power_watts');
    const clean = spawnSync(promtool, ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });

  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, body);
    expect(body).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });
});
