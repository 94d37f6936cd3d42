import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hubFiles } from '../../hub/core/paths.js';
import { openTsdb } from '../../hub/tsdb/store.js';
import { exited, runHubCli, spawnHub, writeHubConfig } from '../helpers/hub.js';
import { freePort } from '../helpers/mosquitto.js';
import { fakePowercap, raplOnlyCollectors } from '../helpers/powercap.js';
import { spawnAgent, waitFor, writeConfig } from '../helpers/spawn-agent.js';

/**
 * The real agent (child process) reading a fake powercap tree publishes to
 * the real hub (child process); what the store holds must be exactly what
 * the fake counter produced. The counter wraps at 10 J on the way, so the
 * agent's wrap correction is part of the path.
 */
describe('agent -> hub end to end', () => {
  it('stores RAPL energy and power equal to what the fake powercap counter produced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-e2e-'));
    const hubData = join(dir, 'hub');
    const port = await freePort();
    const hubConfig = writeHubConfig(`dataDir: ${hubData}\nbroker:\n  host: 127.0.0.1\n  port: ${port}\n`, dir);
    const pwFile = join(dir, 'gpu-e2e.password');
    expect((await runHubCli(['node', 'add', 'gpu-e2e', '--cluster', 'lab', '--password-file', pwFile, '--config', hubConfig])).code).toBe(0);

    // energy_uj values the fake writes: 6.0 J, then +2.5 J three times, wrapping at max_energy_range_uj = 10 J.
    const counter = [6_000_000, 8_500_000, 1_000_000, 3_500_000];
    const expectedJoules = [0, 2.5, 5, 7.5];
    const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: counter[0]!, maxEnergyRangeUj: 10_000_000 }]);
    const agentConfig = writeConfig(
      `node: gpu-e2e
cluster: lab
dataDir: ${join(dir, 'agent')}
mqtt: { url: "mqtt://127.0.0.1:${port}", username: gpu-e2e, passwordFile: ${pwFile} }
metrics: { listen: "" }
${raplOnlyCollectors(power.root)}`,
      dir,
    );

    const hub = spawnHub(['run', '--config', hubConfig]);
    let agent: ReturnType<typeof spawnAgent> | undefined;
    const nodeRow = () => {
      const db = new Database(hubFiles(hubData).db, { readonly: true });
      try {
        return db.prepare("SELECT state, samples, missing, (SELECT body FROM inventory WHERE node_id = nodes.id ORDER BY id DESC LIMIT 1) AS inventory FROM nodes WHERE name = 'gpu-e2e'").get() as
          { state: string; samples: number; missing: number; inventory: string | null };
      } finally {
        db.close();
      }
    };
    const stored = (metric: string) => {
      const tsdb = openTsdb(hubFiles(hubData).tsdb);
      try {
        const [s] = tsdb.findSeries(metric, [{ label: 'node', op: '=', value: 'gpu-e2e' }]);
        if (!s) return { labels: {}, ts: [] as number[], values: [] as number[] };
        const cols = tsdb.readSamples(s.id, 0, Date.now() + 60_000);
        return { labels: s.labels, ts: [...cols.ts], values: [...cols.values] };
      } finally {
        tsdb.close();
      }
    };
    try {
      await waitFor(() => existsSync(join(hubData, 'status.json')), 30_000, 'hub started');
      agent = spawnAgent(['run', '--config', agentConfig]);
      // The first stored samples prove the agent's baseline is the first counter value.
      await waitFor(() => stored('rapl_energy_joules').values.length > 0, 30_000, 'first RAPL samples at the hub');
      for (const uj of counter.slice(1)) {
        power.set('intel-rapl:0', uj);
        await new Promise((r) => setTimeout(r, 400));
      }
      await waitFor(() => stored('rapl_energy_joules').values.at(-1) === 7.5, 30_000, 'energy 7.5 J at the hub');
      await new Promise((r) => setTimeout(r, 300));
      agent.kill('SIGTERM');
      await exited(agent);
      await waitFor(() => nodeRow().state === 'offline', 10_000, 'node offline after the agent stopped');

      const energy = stored('rapl_energy_joules');
      expect(energy.labels).toEqual({ cluster: 'lab', node: 'gpu-e2e', zone: 'package-0', domain: 'package' });
      expect([...new Set(energy.values)]).toEqual(expectedJoules);
      // Power integrated over the stored sample times gives the same energy (the first sample's Δt
      // reaches back to the unstored baseline reading, but the counter did not move then: 0 W).
      const watts = stored('rapl_power_watts');
      expect(watts.values[0]).toBe(0);
      const integrated = watts.values.slice(1).reduce((j, w, i) => j + (w * (watts.ts[i + 1]! - watts.ts[i]!)) / 1000, 0);
      expect(integrated).toBeCloseTo(7.5, 9);
      expect(watts.ts).toEqual(energy.ts);

      const row = nodeRow();
      expect(row.missing).toBe(0);
      expect(row.samples).toBeGreaterThanOrEqual(energy.values.length * 2);
      expect(JSON.parse(row.inventory ?? '{}')).toMatchObject({ rapl: [{ zone: 'package-0', domain: 'package', maxEnergyRangeUj: 10_000_000 }] });

      // The CLI answers the same through the shared query engine.
      const q = await runHubCli(['query', 'rapl_energy_joules', '--node', 'gpu-e2e', '--since', '10m', '--step', '10m', '--agg', 'max', '--format', 'json', '--config', hubConfig]);
      expect(q.code).toBe(0);
      const out = JSON.parse(q.stdout) as { series: { labels: Record<string, string>; points: [number, number][] }[] };
      expect(out.series).toHaveLength(1);
      expect(Math.max(...out.series[0]!.points.map(([, v]) => v))).toBe(7.5);
      const csv = await runHubCli(['query', 'rapl_energy_joules{zone="package-0"}', '--cluster', 'lab', '--since', '10m', '--step', '10m', '--agg', 'count', '--format', 'csv', '--config', hubConfig]);
      const counts = csv.stdout.trim().split('\n').slice(1).map((l) => Number(l.split(',').at(-1)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(energy.values.length);
    } finally {
      agent?.kill('SIGKILL');
      hub.kill('SIGTERM');
      await exited(hub);
    }
    expect(hub.exitCode).toBe(0);
  }, 120_000);
});
