import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { openHubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { keyring, SecretStore } from '../../../hub/identity/secrets.js';
import type { Sample } from '../../../shared/schema/message.js';
import { connectMqtt, connectWhenUp, exited, runHubCli, spawnHub, startTestHub, telemetry, writeHubConfig } from '../../helpers/hub.js';
import { startApiHub } from '../../helpers/api.js';
import { freePort } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { startVictoriaMetrics, type Engine, type StoredSeries } from './engines.js';

const GPUS = 8;
const batchOf = (seq: number, t0: number): Sample[] =>
  Array.from({ length: GPUS }, (_, g) => ({ metric: 'gpu_power_watts', labels: { gpu: String(g) }, value: seq * 100 + g + 0.5, ts: t0 + seq * 1000 }));

/** What VictoriaMetrics must hold for batches `seqs` of a node: per GPU, [ts, value] oldest first. */
function expected(seqs: readonly number[], t0: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const seq of seqs) for (const s of batchOf(seq, t0)) out.set(s.labels!.gpu!, [...(out.get(s.labels!.gpu!) ?? []), [s.ts!, s.value]]);
  return out;
}

async function stored(vm: Engine, node: string): Promise<Map<string, [number, number][]>> {
  return new Map((await vm.series(`gpu_power_watts{node="${node}"}`)).map((s) => [s.labels.gpu!, s.samples]));
}

/** A dataDir holding the node's credential and the receiver's password in the secrets box, before the hub starts. */
async function prepare(node: string, password?: string): Promise<string> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-rw-hub-')), 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const db = openHubDb(hubFiles(dataDir).db);
  try {
    await new NodeStore(db).add(node, 'lab', `${node}-secret`);
    if (password) new SecretStore(db, keyring(dataDir, {})).put('vm-password', password);
  } finally {
    db.close();
  }
  return dataDir;
}

describe('remote write from a real hub to a real VictoriaMetrics', () => {
  let vm: Engine;
  beforeAll(async () => {
    vm = await startVictoriaMetrics({ basicAuth: ['kcloud', 'vm-pass-1'] });
  });
  afterAll(async () => {
    await vm?.stop();
  });

  it('forwards what agents publish with the node and cluster the hub authenticated, with the password from the secrets box; status shows the queue', { timeout: 120_000 }, async () => {
    const dataDir = await prepare('rw-node', 'vm-pass-1');
    const th = await startTestHub({ dataDir, storage: { remoteWrite: [{ url: vm.writeUrl, name: 'vm', basicAuth: { username: 'kcloud', passwordSecret: 'vm-password' } }] } });
    let client: MqttClient | null = null;
    try {
      client = await connectMqtt(th.url, { username: 'rw-node', password: 'rw-node-secret' });
      const t0 = Date.now() - 120_000;
      // The payload claims another node and cluster: the stored labels come from the credential.
      for (const seq of [1, 2, 3]) await client.publishAsync('kcloud/v1/lab/rw-node/telemetry', telemetry('lab', 'rw-node', seq, batchOf(seq, t0)), { qos: 1 });
      await waitFor(async () => (await stored(vm, 'rw-node')).get('7')?.length === 3, 60_000, 'samples in VictoriaMetrics');
      expect(await stored(vm, 'rw-node')).toEqual(expected([1, 2, 3], t0));
      const [one] = await vm.series('gpu_power_watts{node="rw-node",gpu="0"}');
      expect(one!.labels).toEqual({ __name__: 'gpu_power_watts', cluster: 'lab', node: 'rw-node', gpu: '0' });
      await waitFor(() => (th.hub.registry.metrics().then((t) => t.includes('kcloud_hub_remote_write_sent_samples_total{remote="vm"} 24'))), 30_000, 'sent on /metrics');
      await th.hub.writeState();
      const status = await runHubCli(['status', '--config', th.configFile]);
      expect(status.stdout).toMatch(/^remote: {3}vm: 0 pending, lag 0\.0 s, 24 sent, 0 failed requests, dropped none$/m);
      expect(status.stdout).not.toContain('vm-pass-1');
    } finally {
      client?.end(true);
      await th.hub.stop();
    }
  });

  it('loses nothing when the hub is killed (-9) mid-stream: after the restart the queue resumes and every acknowledged batch is in the store', { timeout: 180_000 }, async () => {
    const dataDir = await prepare('rw-kill', 'vm-pass-1');
    const mqttPort = await freePort();
    const config = writeHubConfig(
      stringifyYaml({
        dataDir,
        broker: { host: '127.0.0.1', port: mqttPort },
        storage: { remoteWrite: [{ url: vm.writeUrl, basicAuth: { username: 'kcloud', passwordSecret: 'vm-password' } }] },
      }),
    );
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const t0 = Date.now() - 300_000;
    const acked: number[] = [];
    let hub: ChildProcess & { logs: string[] } = spawnHub(['run', '--config', config]);
    try {
      let client = await connectWhenUp(url, { username: 'rw-kill', password: 'rw-kill-secret' }, hub);
      let seq = 1;
      // Publishes one batch after another; the hub is killed once some were acknowledged, while later ones are in flight.
      void (async () => {
        for (;; seq++) {
          try {
            await client.publishAsync('kcloud/v1/lab/rw-kill/telemetry', telemetry('lab', 'rw-kill', seq, batchOf(seq, t0)), { qos: 1 });
            acked.push(seq);
          } catch {
            // The hub is gone: this batch was never acknowledged (a publish in flight may also just never settle).
            return;
          }
        }
      })();
      await waitFor(() => acked.length >= 20, 60_000, '20 batches acknowledged');
      hub.kill('SIGKILL');
      await exited(hub);
      client.end(true);
      const lastAcked = acked.at(-1)!;
      hub = spawnHub(['run', '--config', config]);
      client = await connectWhenUp(url, { username: 'rw-kill', password: 'rw-kill-secret' }, hub);
      // The agent resends from its first unacknowledged batch (its spool does this; here by hand), then goes on.
      for (let s = lastAcked + 1; s <= lastAcked + 5; s++) {
        await client.publishAsync('kcloud/v1/lab/rw-kill/telemetry', telemetry('lab', 'rw-kill', s, batchOf(s, t0)), { qos: 1 });
        acked.push(s);
      }
      client.end(true);
      const all = Array.from({ length: lastAcked + 5 }, (_, i) => i + 1);
      await waitFor(async () => (await stored(vm, 'rw-kill')).get('0')?.length === all.length, 60_000, 'every batch in VictoriaMetrics');
      expect(acked).toEqual(all);
      expect(await stored(vm, 'rw-kill')).toEqual(expected(all, t0));
    } finally {
      hub.kill('SIGTERM');
      await exited(hub);
    }
  });
});

describe('dcgm-exporter names on the remote store (storage.remoteWrite[].names), real hub and VictoriaMetrics', () => {
  const MIB = 1024 * 1024;
  const GPU_FACTS = [0, 1].map((g) => ({ index: g, uuid: `GPU-${g}`, name: 'NVIDIA H100 80GB HBM3', pciBusId: `00000000:1${g}:00.0`, driverVersion: '590.48.01' }));
  /** One agent batch: two GPUs' power, energy and memory, and a host series. */
  const agentBatch = (seq: number, ts: number): Sample[] => [
    ...[0, 1].flatMap((g): Sample[] => {
      const labels = { gpu: String(g), uuid: `GPU-${g}` };
      return [
        { metric: 'gpu_power_watts', labels, value: seq * 100 + g + 0.25, ts },
        { metric: 'gpu_energy_joules', labels, value: seq * 1000.5 + g, ts },
        { metric: 'gpu_memory_used_bytes', labels, value: (seq * 1024 + g) * MIB + MIB / 2, ts },
      ];
    }),
    { metric: 'host_cpu_utilization_percent', value: seq * 10 + 0.5, ts },
  ];
  /** Per GPU index, [ts, value * scale] of `metric` in the batches, oldest first. */
  const sent = (batches: Sample[][], metric: string, scale = 1) => {
    const out = new Map<string, [number, number][]>();
    for (const s of batches.flat().filter((x) => x.metric === metric)) out.set(s.labels?.gpu ?? '', [...(out.get(s.labels?.gpu ?? '') ?? []), [s.ts!, s.value * scale]]);
    return out;
  };
  const byGpu = (series: StoredSeries[], label: string) => new Map(series.map((s) => [s.labels[label] ?? '', s.samples]));

  let both: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  let dcgm: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  beforeAll(async () => {
    [both, dcgm] = await Promise.all([startVictoriaMetrics(), startVictoriaMetrics()]);
  });
  afterAll(async () => {
    await Promise.all([both?.stop(), dcgm?.stop()]);
  });

  it('names: both writes GPU series under kcloud and dcgm-exporter names; names: dcgm only the latter, host series kcloud-named in both', { timeout: 120_000 }, async () => {
    const api = await startApiHub({
      storage: {
        remoteWrite: [
          { url: both.writeUrl, name: 'both', names: 'both' },
          { url: dcgm.writeUrl, name: 'dcgm', names: 'dcgm' },
        ],
      },
    });
    try {
      const node = await api.addNode('gpu-01', 'lab');
      await api.publishInventory(node, { gpus: GPU_FACTS });
      const t0 = Date.now() - 60_000;
      const batches = [1, 2, 3].map((seq) => agentBatch(seq, t0 + seq * 1000));
      for (const b of batches) await api.publishTelemetry(node, b);
      const committed = batches.flat().length;
      await waitFor(
        () => api.hub.registry.metrics().then((t) => t.includes(`kcloud_hub_remote_write_sent_samples_total{remote="both"} ${committed}`) && t.includes(`kcloud_hub_remote_write_sent_samples_total{remote="dcgm"} ${committed}`)),
        60_000,
        'both queues sent every committed sample',
      );
      const at = Date.now();

      for (const vm of [both, dcgm]) {
        const power = await vm.query('DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-01"}[1h]', at);
        expect(byGpu(power, 'gpu')).toEqual(sent(batches, 'gpu_power_watts'));
        expect(power.find((s) => s.labels.gpu === '1')!.labels).toEqual({
          __name__: 'DCGM_FI_DEV_POWER_USAGE',
          gpu: '1',
          UUID: 'GPU-1',
          device: 'nvidia1',
          modelName: 'NVIDIA H100 80GB HBM3',
          pci_bus_id: '00000000:11:00.0',
          DCGM_FI_DRIVER_VERSION: '590.48.01',
          Hostname: 'gpu-01',
          hostname: 'gpu-01',
          cluster: 'lab',
        });
        // dcgm-exporter's units, as the hub's /metrics converts them: mJ and MiB.
        expect(byGpu(await vm.query('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{hostname="gpu-01"}[1h]', at), 'gpu')).toEqual(sent(batches, 'gpu_energy_joules', 1000));
        expect(byGpu(await vm.query('DCGM_FI_DEV_FB_USED{Hostname="gpu-01"}[1h]', at), 'gpu')).toEqual(sent(batches, 'gpu_memory_used_bytes', 1 / MIB));
        const host = await vm.query('host_cpu_utilization_percent{node="gpu-01",cluster="lab"}[1h]', at);
        expect(host.map((s) => s.samples)).toEqual([[...sent(batches, 'host_cpu_utilization_percent').values()][0]]);
      }

      expect(byGpu(await both.query('gpu_power_watts{node="gpu-01"}[1h]', at), 'gpu')).toEqual(sent(batches, 'gpu_power_watts'));
      expect(byGpu(await both.query('gpu_memory_used_bytes{node="gpu-01"}[1h]', at), 'gpu')).toEqual(sent(batches, 'gpu_memory_used_bytes'));
      const [kcloudNamed] = await both.query('gpu_energy_joules{node="gpu-01",gpu="0"}[1h]', at);
      expect(kcloudNamed!.labels).toEqual({ __name__: 'gpu_energy_joules', cluster: 'lab', node: 'gpu-01', gpu: '0', uuid: 'GPU-0' });
      // names: dcgm: no kcloud-named GPU series at all.
      expect(await dcgm.series('{__name__=~"gpu_.+"}')).toEqual([]);
      expect((await dcgm.series('{node="gpu-01"}')).map((s) => s.labels.__name__)).toEqual(['host_cpu_utilization_percent']);
    } finally {
      await api.close();
    }
  });
});
