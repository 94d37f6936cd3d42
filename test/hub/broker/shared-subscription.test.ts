import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { readHubState } from '../../../hub/core/status-file.js';
import { exited, runHubCli, spawnHub, startTestHub, telemetry, writeHubConfig, type TestHub } from '../../helpers/hub.js';
import { storedSeqs } from '../../helpers/ledger.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
/** mosquitto's default max_inflight_messages: the most unacknowledged batches one session has at a time. */
const BROKER_INFLIGHT = 20;

/** A dataDir whose hub.db knows the node (each hub of a group has its own hub.db). */
async function dataDirWithNode(): Promise<string> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-share-')), 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const db = openHubDb(hubFiles(dataDir).db);
  await new NodeStore(db).add('gpu-01', 'lab', 'unused-here');
  db.close();
  return dataDir;
}

const nodeState = (db: HubDb) => (db.prepare("SELECT state FROM nodes WHERE name = 'gpu-01'").pluck().get() as string);
const union = (sets: Set<number>[]) => new Set(sets.flatMap((s) => [...s]));
/** Log lines of a spawned hub with this message. */
const childLines = (logs: string[], msg: string) =>
  logs.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

describe('three ingest hubs sharing one mosquitto 2 (MQTT 5 shared subscription)', () => {
  let broker: Mosquitto | undefined;
  const inProcess: TestHub[] = [];
  let child: (ChildProcess & { logs: string[] }) | undefined;
  afterAll(async () => {
    for (const h of inProcess) await h.hub.stop();
    if (child) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await broker?.stop();
  });

  it(
    'split telemetry, give status to every one; a hub killed -9 mid-stream: the lowest survivor adopts its session and stores its share, and hands it back without a fight when it returns',
    { timeout: 480_000 },
    async () => {
      broker = await startMosquitto({ extraConfig: 'max_queued_messages 100000\n' });
      const external = (clientId: string) => ({ mode: 'external', url: broker!.url, clientId, group: 'ingest' });
      for (const id of ['hub-a', 'hub-b']) inProcess.push(await startTestHub({ dataDir: await dataDirWithNode(), broker: external(id) }));
      const [hubA, hubB] = inProcess as [TestHub, TestHub];
      const victimDir = await dataDirWithNode();
      const victimConfig = writeHubConfig(stringifyYaml({ dataDir: victimDir, broker: external('hub-c') }));
      child = spawnHub(['run', '--config', victimConfig]);
      const logged = (h: TestHub, msg: string) => h.logs.lines().filter((l) => l.msg === msg);
      for (const h of inProcess) await waitFor(() => logged(h, 'connected to external broker').length > 0, 30_000, 'in-process hub connected');
      await waitFor(() => childLines(child!.logs, 'connected to external broker').length > 0, 60_000, 'hub-c connected');
      const dbs = [...inProcess.map((h) => openHubDb(hubFiles(h.dataDir).db)), openHubDb(hubFiles(victimDir).db)];
      const [dbA, dbB, dbC] = dbs as [HubDb, HubDb, HubDb];
      const seqs = (db: HubDb) => storedSeqs(db, 'gpu-01');
      const adoptedNow = () => {
        const b = readHubState(hubA.dataDir)?.broker;
        return b?.mode === 'external' ? b.adopted?.join() : undefined;
      };

      const pub = mqtt.connect(broker.url, { clientId: 'share-test-agent', clean: false, reconnectPeriod: 200 });
      await new Promise<void>((r) => pub.once('connect', () => r()));
      // Not shared: every hub records the node's status.
      await pub.publishAsync('kcloud/v1/lab/gpu-01/status', JSON.stringify({ v: 1, cluster: 'lab', node: 'gpu-01', ts: Date.now(), state: 'online', agentVersion: '0.1.0' }), { qos: 1 });
      await waitFor(() => dbs.every((db) => nodeState(db) === 'online'), 30_000, 'status on every hub');

      const acked = new Set<number>();
      let seq = T0;
      const publishEvery20ms = () =>
        setInterval(() => {
          const s = ++seq;
          const batch = telemetry('lab', 'gpu-01', s, [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, value: s - T0, ts: s }]);
          pub.publish('kcloud/v1/lab/gpu-01/telemetry', batch, { qos: 1 }, (err) => {
            if (!err) acked.add(s);
          });
        }, 20);
      const allAcked = async () => {
        const sent = seq - T0;
        await waitFor(() => acked.size === sent, 60_000, 'every publish acknowledged by mosquitto');
      };

      // 1. hub-c dies mid-stream and stays dead.
      let ticker = publishEvery20ms();
      let heldByDeadHub: Set<number>;
      try {
        await waitFor(() => seqs(dbC).size >= 10, 30_000, 'hub-c ingesting its share');
        child.kill('SIGKILL');
        await exited(child);
        heldByDeadHub = seqs(dbC);
        // Its Will (after the Will delay) elects hub-a, the lowest client id online.
        await waitFor(() => logged(hubA, 'adopted peer session').length > 0, 60_000, 'hub-a adopting hub-c');
        expect(logged(hubA, 'adopted peer session').map((l) => [l.peer, l.sessionPresent])).toEqual([['hub-c', true]]);
        // status.json and `kcloud-hub status` say which sessions the hub holds.
        await waitFor(() => adoptedNow() === 'hub-c', 30_000, 'hub-a status: adopting hub-c');
        expect((await runHubCli(['status', '--config', hubA.configFile])).stdout).toMatch(/external mqtt:\/\/127\.0\.0\.1:\d+ connected, adopting hub-c/);
        const adoptedAt = seq;
        await waitFor(() => [...union([seqs(dbA), seqs(dbB)])].filter((s) => s > adoptedAt).length >= 50, 60_000, 'survivors storing after the adoption');
      } finally {
        clearInterval(ticker);
      }
      await allAcked();
      // Every acknowledged batch is stored: what hub-c committed before it died, the rest by the survivors,
      // including hub-c's unacknowledged batches and the share mosquitto went on giving its session.
      await waitFor(() => union([heldByDeadHub, seqs(dbA), seqs(dbB)]).size >= acked.size, 60_000, 'every acknowledged batch stored without hub-c');
      const survivors = union([seqs(dbA), seqs(dbB)]);
      expect([...acked].filter((s) => !heldByDeadHub.has(s) && !survivors.has(s)).map((s) => s - T0)).toEqual([]);
      expect(logged(hubB, 'adopting the session of an offline peer')).toEqual([]);

      // 2. hub-c comes back: its connect takes the session over, hub-a lets it go and does not adopt it again.
      ticker = publishEvery20ms();
      try {
        child = spawnHub(['run', '--config', victimConfig]);
        await waitFor(() => childLines(child!.logs, 'connected to external broker').length > 0, 60_000, 'hub-c connected again');
        // hub-a sees its adopted connection closed, or hub-c's online state first and lets the session go.
        const letGo = () => [...logged(hubA, 'adopted peer session closed by the broker (the peer took it back, or the connection was lost)'), ...logged(hubA, 'releasing adopted peer session')];
        await waitFor(() => letGo().length > 0, 60_000, 'hub-a losing the session');
        await waitFor(() => adoptedNow() === '', 30_000, 'hub-a status: adopting nothing');
        const backAt = seq;
        await waitFor(() => [...seqs(dbC)].filter((s) => s > backAt).length >= 20, 60_000, 'hub-c ingesting its share again');
      } finally {
        clearInterval(ticker);
      }
      await allAcked();
      await pub.endAsync();
      await waitFor(() => union(dbs.map(seqs)).size >= acked.size, 60_000, 'every acknowledged batch stored by some hub');
      const perHub = dbs.map(seqs);
      for (const db of dbs) db.close();
      const all = union(perHub);
      expect([...acked].filter((s) => !all.has(s)).map((s) => s - T0)).toEqual([]);
      for (const s of perHub) expect(s.size).toBeGreaterThan(0);
      // No flapping: one adoption, one connect of the returned hub-c.
      expect(logged(hubA, 'adopting the session of an offline peer').map((l) => l.peer)).toEqual(['hub-c']);
      expect(childLines(child.logs, 'connected to external broker')).toHaveLength(1);
      expect(logged(hubB, 'adopting the session of an offline peer')).toEqual([]);
      // Stored twice only where hub-c and its adopter both committed a batch whose PUBACK was lost with a
      // connection (the kill, the takeover): at most the broker's in-flight window each time.
      const [a, b, c] = perHub as [Set<number>, Set<number>, Set<number>];
      expect([...a].filter((s) => b.has(s))).toEqual([]);
      expect([...b].filter((s) => c.has(s))).toEqual([]);
      expect([...a].filter((s) => c.has(s)).length).toBeLessThanOrEqual(2 * BROKER_INFLIGHT);
    },
  );
});
