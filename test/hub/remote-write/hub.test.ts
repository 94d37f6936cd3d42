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
import { freePort } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { startVictoriaMetrics, type Engine } from './engines.js';

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
