import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHub, TestNode } from '../../helpers/api.js';
import { startVictoriaMetrics, type Engine } from '../remote-write/engines.js';
import { averagesBy, CLUSTER, feed, hubWithSecret, importRows, MIN, NODE, samples, samplesOf, uuidOf, VM_AUTH, type Samples } from './vm-fixture.js';

const STEP = MIN;
const JOULES_PER_KWH = 3_600_000;
const round3 = (v: number) => Math.round(v * 1000) / 1000;

interface GpuRow {
  timestamp: string;
  cluster: string;
  node: string;
  gpu: string;
  uuid: string;
  power_watts: number | null;
  energy_kwh: number | null;
  energy_method: string | null;
  utilization_percent: number | null;
  memory_used_mb: number | null;
  temperature_celsius: number | null;
}

/** The rows /export/metrics?resource_type=gpu must hold for these samples: per step (then GPU) with samples, the average and its power x step energy. */
function expectedGpuRows(start: number, end: number, ...parts: Samples[]): GpuRow[] {
  const rows: (GpuRow & { ts: number })[] = [];
  for (const [gpu, points] of averagesBy(STEP, start, end, ...parts)) {
    for (const [ts, avg] of points) {
      rows.push({
        ts,
        timestamp: new Date(ts).toISOString(),
        cluster: CLUSTER,
        node: NODE,
        gpu,
        uuid: uuidOf(gpu),
        power_watts: round3(avg),
        energy_kwh: (avg * STEP) / 1000 / JOULES_PER_KWH,
        energy_method: 'power_integral',
        utilization_percent: null,
        memory_used_mb: null,
        temperature_celsius: null,
      });
    }
  }
  return rows.sort((a, b) => a.ts - b.ts || a.gpu.localeCompare(b.gpu)).map(({ ts: _ts, ...r }) => r);
}

describe('exports and GPU power beyond local retention from a real VictoriaMetrics', () => {
  let vm: Engine;
  let vmUrl: string;
  let hub: ApiHub;
  let node: TestNode;
  const base = Math.floor(Date.now() / STEP) * STEP;
  const start = base - 3 * 60 * MIN;
  const end = base;
  // Older than the hub's 1 h retention: only VictoriaMetrics has it.
  const old = samples(start, base - 70 * MIN, (i, gpu) => (i % 37) + gpu * 100 + 0.5);
  // The hub's recent samples, and the remote store's copy made different on purpose, so a row shows which store served it.
  const recent = samples(base - 50 * MIN, base - 5 * MIN, (i, gpu) => (i % 23) + gpu * 100 + 0.25);
  const remoteRecent = samples(base - 50 * MIN, base - 5 * MIN, (i, gpu) => (i % 23) + gpu * 100 + 1000.25);

  const exportPath = (format: 'json' | 'csv') =>
    `/api/v1/export/metrics?${new URLSearchParams({ resource_type: 'gpu', format, cluster: CLUSTER, start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), step: '1m' })}`;

  beforeAll(async () => {
    vm = await startVictoriaMetrics({ basicAuth: VM_AUTH });
    vmUrl = vm.writeUrl.replace(/\/api\/v1\/write$/, '');
    await importRows(vmUrl, old);
    await importRows(vmUrl, remoteRecent);
    hub = await hubWithSecret(vmUrl, 'beyond-retention');
    node = await feed(hub, recent);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await vm?.stop();
  });

  it('exports a range spanning both stores: the old rows from VictoriaMetrics, the recent ones from the hub, and names both in X-Kcloud-Sources', { timeout: 60_000 }, async () => {
    const res = await hub.request(exportPath('json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-kcloud-sources')).toBe('remote, local');
    expect(res.headers.get('x-kcloud-warnings')).toBeNull();
    const rows = (await res.json()) as GpuRow[];
    const want = expectedGpuRows(start, end, old, recent);
    expect(rows).toEqual(want);
    // Both parts are there: rows 3 h ago and 6 min ago.
    expect(want[0]!.timestamp).toBe(new Date(start).toISOString());
    expect(want.at(-1)!.timestamp).toBe(new Date(base - 6 * MIN).toISOString());
  });

  it('puts the stores in the headers of a CSV export too, and nothing before its header line', { timeout: 60_000 }, async () => {
    const res = await hub.request(exportPath('csv'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-kcloud-sources')).toBe('remote, local');
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,cluster,node,gpu,uuid,power_watts,energy_kwh,energy_method,utilization_percent,memory_used_mb,temperature_celsius');
    expect(lines).toHaveLength(expectedGpuRows(start, end, old, recent).length + 1);
  });

  it('exports per-node power from both stores too, and a report names the stores it read', { timeout: 120_000 }, async () => {
    const q = new URLSearchParams({ format: 'json', cluster: CLUSTER, start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), step: '1m' });
    const res = await hub.request(`/api/v1/export/power?${q}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-kcloud-sources')).toBe('remote, local');
    const rows = (await res.json()) as { timestamp: string; node: string; gpu_power_watts: number | null }[];
    const want = averagesBy(STEP, start, end, old, recent);
    const gpu1 = new Map(want.get('1')!);
    expect(rows.map((r) => [r.timestamp, r.node, r.gpu_power_watts])).toEqual(want.get('0')!.map(([t, v]) => [new Date(t).toISOString(), NODE, round3(v + gpu1.get(t)!)]));

    const report = await hub.request(`/api/v1/export/report?${new URLSearchParams({ template: 'daily', format: 'excel', cluster: CLUSTER })}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('x-kcloud-sources')).toBe('remote, local');
    expect(report.headers.get('x-kcloud-warnings')).toBeNull();
    expect((await report.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('answers a GPU\'s power average and energy over a range spanning both stores from the imported and the recent samples, with the sources', { timeout: 60_000 }, async () => {
    // The GPU must be current to be found (api.staleAfter): one sample now, after the range's end.
    await hub.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: '1', uuid: uuidOf('1') }, value: 1, ts: Date.now() }]);
    const q = new URLSearchParams({ node: NODE, start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString() });
    const answer = await hub.json<{ data: Record<string, number | string | null>; metadata: { sources: string[]; warnings?: string[] } }>(`/api/v1/accelerators/gpus/${uuidOf('1')}/power?${q}`);
    expect(answer.metadata.sources).toEqual(['remote', 'local']);
    expect(answer.metadata.warnings).toBeUndefined();
    const values = samplesOf('1', start, end, old, recent).map(([, v]) => v);
    expect(answer.data.average_power_watts).toBe(round3(values.reduce((a, v) => a + v, 0) / values.length));
    expect(answer.data.min_power_watts).toBe(Math.min(...values));
    expect(answer.data.max_power_watts).toBe(Math.max(...values));
    // No energy counter: Σ per-minute average power x 60 s.
    const joules = averagesBy(MIN, start, end, old, recent).get('1')!.reduce((a, [, w]) => a + w * 60, 0);
    expect(answer.data.energy_consumed_joules).toBe(round3(joules));
    expect(answer.data.energy_method).toBe('power_integral');
    // The old part counts: the local samples alone give another average.
    const localOnly = samplesOf('1', start, end, recent).map(([, v]) => v);
    expect(answer.data.average_power_watts).not.toBe(round3(localOnly.reduce((a, v) => a + v, 0) / localOnly.length));
  });

  it('with the remote store down exports the local rows, 200, with the warning in X-Kcloud-Warnings; the GPU power says so in its metadata', { timeout: 120_000 }, async () => {
    await vm.stop();
    try {
      const res = await hub.request(exportPath('json'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-kcloud-sources')).toBe('local');
      expect(res.headers.get('x-kcloud-warnings')).toMatch(/^remote store not read \(unreachable \(ECONNREFUSED\)\): steps before \d{4}-\d\d-\d\dT\S+ hold only what the local store still has$/);
      expect(res.headers.get('x-kcloud-warnings')).not.toContain(VM_AUTH[1]);
      expect((await res.json()) as GpuRow[]).toEqual(expectedGpuRows(start, end, recent));

      const q = new URLSearchParams({ node: NODE, start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString() });
      const power = await hub.json<{ data: Record<string, number | null>; metadata: { sources: string[]; warnings?: string[] } }>(`/api/v1/accelerators/gpus/${uuidOf('1')}/power?${q}`);
      expect(power.metadata.sources).toEqual(['local']);
      expect(power.metadata.warnings![0]).toMatch(/^remote store not read \(.*ECONNREFUSED/);
      const localOnly = samplesOf('1', start, end, recent).map(([, v]) => v);
      expect(power.data.average_power_watts).toBe(round3(localOnly.reduce((a, v) => a + v, 0) / localOnly.length));
    } finally {
      await vm.start();
    }
  });
});
