import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundWatts } from '../../../hub/fleet/power.js';
import type { ApiHub, TestNode } from '../../helpers/api.js';
import { ADMIN_PASSWORD, runHubCli } from '../../helpers/hub.js';
import { startVictoriaMetrics, type Engine } from '../remote-write/engines.js';
import { averagesBy, CLUSTER, feed, hubWithSecret as hubReading, importRows, MIN, NODE, samples, uuidOf, VM_AUTH, type Points, type Samples } from './vm-fixture.js';

const STEP = 60_000;

const averages = (start: number, end: number, ...parts: Samples[]) => averagesBy(STEP, start, end, ...parts);

interface QueryAnswer {
  data: { series: { labels: Record<string, string>; points: Points }[] };
  metadata: { sources: string[]; warnings?: string[] };
}

const byGpu = (a: QueryAnswer['data']) => new Map(a.series.map((s) => [s.labels.gpu!, s.points]));

describe('range reads beyond local retention from a real VictoriaMetrics', () => {
  let vm: Engine;
  let vmUrl: string;
  const now = Date.now();
  const base = Math.floor(now / STEP) * STEP;
  const start = base - 3 * 60 * MIN;
  // On a minute: the store's 1 m rollups hold whole minutes, so a later sample in the minute of an unaligned end would count.
  const end = base;
  // Older than the hub's 1 h retention: only VictoriaMetrics has it.
  const old = samples(start, base - 70 * MIN, (i, gpu) => (i % 37) + gpu * 100 + 0.5);
  // The recent samples: the hub's own, and the remote store's copy made different on purpose, so an answer shows which store served it.
  const recent = samples(base - 50 * MIN, base - 5 * MIN, (i, gpu) => (i % 23) + gpu * 100 + 0.25);
  const remoteRecent = samples(base - 50 * MIN, base - 5 * MIN, (i, gpu) => (i % 23) + gpu * 100 + 1000.25);

  let node: TestNode;

  const queryPath = () => `/api/v1/monitoring/query?${new URLSearchParams({ selector: `gpu_power_watts{node="${NODE}"}`, start: String(start), end: String(end), step: '1m', agg: 'avg' })}`;

  let hub: ApiHub;
  beforeAll(async () => {
    vm = await startVictoriaMetrics({ basicAuth: VM_AUTH });
    vmUrl = vm.writeUrl.replace(/\/api\/v1\/write$/, '');
    await importRows(vmUrl, old);
    await importRows(vmUrl, remoteRecent);
    hub = await hubWithSecret('beyond-retention');
    node = await feed(hub, recent);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await vm?.stop();
  });

  const hubWithSecret = (mode: 'beyond-retention' | 'always', dataDir?: string) => hubReading(vmUrl, mode, dataDir);

  it('answers a range spanning both stores with the old steps from VictoriaMetrics and the recent ones from the hub, exactly, and says so', { timeout: 60_000 }, async () => {
    const answer = await hub.json<QueryAnswer>(queryPath());
    expect(answer.metadata.sources).toEqual(['remote', 'local']);
    expect(answer.metadata.warnings).toBeUndefined();
    const want = averages(start, end, old, recent);
    expect(byGpu(answer.data)).toEqual(want);
    // Both parts are there: steps 3 h ago and 10 min ago.
    expect(want.get('0')![0]![0]).toBe(start);
    expect(want.get('0')!.at(-1)![0]).toBe(base - 6 * MIN);
  });

  it('sums the GPUs of both stores in the power time series, with the sources in its metadata', { timeout: 60_000 }, async () => {
    const q = new URLSearchParams({ start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), step: '1m', cluster: CLUSTER });
    const answer = await hub.json<{ data: { timestamp: string; gpu_power_watts: number | null }[]; metadata: { sources: string[] } }>(`/api/v1/monitoring/timeseries/power?${q}`);
    expect(answer.metadata.sources).toEqual(['remote', 'local']);
    const want = averages(start, end, old, recent);
    const gpu1 = new Map(want.get('1')!);
    expect(answer.data.map((p) => [Date.parse(p.timestamp), p.gpu_power_watts])).toEqual(want.get('0')!.map(([t, v]) => [t, roundWatts(v + gpu1.get(t)!)]));
  });

  it('reads a GPU\'s metrics time series from both stores, with the sources in its metadata', { timeout: 60_000 }, async () => {
    // The GPU must be current to be found (api.staleAfter): one sample now, after the range's end.
    await hub.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: '1', uuid: uuidOf('1') }, value: 1, ts: Date.now() }]);
    const q = new URLSearchParams({ node: NODE, start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), step: '5m' });
    const answer = await hub.json<{ data: { timeseries: { timestamp: string; power_watts: number | null }[] }; metadata: { sources: string[] } }>(`/api/v1/accelerators/gpus/${uuidOf('1')}/metrics?${q}`);
    expect(answer.metadata.sources).toEqual(['remote', 'local']);
    // The endpoint starts its steps on multiples of the step.
    const want = averagesBy(5 * MIN, Math.floor(start / (5 * MIN)) * 5 * MIN, end, old, recent).get('1')!;
    expect(answer.data.timeseries.map((p) => [Date.parse(p.timestamp), p.power_watts])).toEqual(want.map(([t, v]) => [t, Math.round(v * 1000) / 1000]));
  });

  it('reads `kcloud-hub query` beyond retention from the remote store too, and names both stores on stderr', { timeout: 60_000 }, async () => {
    const cli = await runHubCli(['query', `gpu_power_watts{node="${NODE}"}`, '--config', hub.configFile, '--start', String(start), '--end', String(end), '--step', '1m', '--format', 'json']);
    expect(cli.stderr).toBe('kcloud-hub: served by remote + local store\n');
    expect(cli.code).toBe(0);
    const out = JSON.parse(cli.stdout) as QueryAnswer['data'];
    expect(byGpu(out)).toEqual(averages(start, end, old, recent));
    // Through the hub's API: the same numbers, and the stores the hub named.
    const viaServer = await runHubCli(['query', `gpu_power_watts{node="${NODE}"}`, '--server', hub.api, '--user', 'admin', '--start', String(start), '--end', String(end), '--step', '1m', '--format', 'json'], { KCLOUD_PASSWORD: ADMIN_PASSWORD });
    expect(viaServer.stderr).toBe('kcloud-hub: served by remote + local store\n');
    expect(viaServer.code).toBe(0);
    expect(viaServer.stdout).toBe(cli.stdout);
  });

  it('with the remote store down answers the local part with a warning, not an error, and no values of its own', { timeout: 120_000 }, async () => {
    await vm.stop();
    try {
      const res = await hub.request(queryPath());
      expect(res.status).toBe(200);
      const answer = (await res.json()) as QueryAnswer;
      expect(answer.metadata.sources).toEqual(['local']);
      expect(answer.metadata.warnings).toHaveLength(1);
      expect(answer.metadata.warnings![0]).toMatch(/^remote store not read \(unreachable \(ECONNREFUSED\)\): steps before \d{4}-\d\d-\d\dT.* hold only what the local store still has$/);
      expect(answer.metadata.warnings![0]).not.toContain(VM_AUTH[1]);
      expect(byGpu(answer.data)).toEqual(averages(start, end, recent));
    } finally {
      await vm.start();
    }
  });

  it('in mode always reads the whole range from the remote store, and the local store\'s part when it is down', { timeout: 120_000 }, async () => {
    const dataDir = hub.dataDir;
    await hub.close();
    hub = await hubWithSecret('always', dataDir);
    const answer = await hub.json<QueryAnswer>(queryPath());
    expect(answer.metadata.sources).toEqual(['remote']);
    expect(byGpu(answer.data)).toEqual(averages(start, end, old, remoteRecent));
    // Remote down: what the local store has, said so.
    await vm.stop();
    try {
      const local = await hub.json<QueryAnswer>(queryPath());
      expect(local.metadata.sources).toEqual(['local']);
      expect(local.metadata.warnings![0]).toMatch(/^remote store not read \(.*ECONNREFUSED/);
      expect(byGpu(local.data)).toEqual(averages(start, end, recent));
    } finally {
      await vm.start();
    }
  });
});
