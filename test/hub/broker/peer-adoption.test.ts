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
import { exited, spawnHub, startTestHub, telemetry, writeHubConfig, type TestHub } from '../../helpers/hub.js';
import { storedSeqs } from '../../helpers/ledger.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

async function dataDirWithNode(): Promise<string> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-adopt-')), 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const db = openHubDb(hubFiles(dataDir).db);
  await new NodeStore(db).add('gpu-01', 'lab', 'unused-here');
  db.close();
  return dataDir;
}

const union = (sets: Set<number>[]) => new Set(sets.flatMap((s) => [...s]));
const childLines = (logs: string[], msg: string) =>
  logs.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

describe('adoption of dead ingest hubs passes on when the adopter goes (real mosquitto 2)', () => {
  let broker: Mosquitto | undefined;
  let hubB: TestHub | undefined;
  const children: (ChildProcess & { logs: string[] })[] = [];
  afterAll(async () => {
    await hubB?.hub.stop();
    for (const c of children) {
      c.kill('SIGKILL');
      await exited(c);
    }
    await broker?.stop();
  });

  it('hub-c killed -9: hub-a adopts it; hub-a stopped normally: hub-b adopts both, and nothing acknowledged is missing', { timeout: 480_000 }, async () => {
    broker = await startMosquitto({ extraConfig: 'max_queued_messages 100000\n' });
    const external = (clientId: string) => ({ mode: 'external', url: broker!.url, clientId, group: 'ingest' });
    const dirs = { a: await dataDirWithNode(), b: await dataDirWithNode(), c: await dataDirWithNode() };
    const spawn = (id: 'a' | 'c') => {
      const child = spawnHub(['run', '--config', writeHubConfig(stringifyYaml({ dataDir: dirs[id], broker: external(`hub-${id}`) }))]);
      children.push(child);
      return child;
    };
    const hubA = spawn('a');
    const hubC = spawn('c');
    hubB = await startTestHub({ dataDir: dirs.b, broker: external('hub-b') });
    const logged = (msg: string) => hubB!.logs.lines().filter((l) => l.msg === msg);
    await waitFor(() => logged('connected to external broker').length > 0, 30_000, 'hub-b connected');
    for (const c of [hubA, hubC]) await waitFor(() => childLines(c.logs, 'connected to external broker').length > 0, 60_000, 'child hub connected');
    const [dbA, dbB, dbC] = [dirs.a, dirs.b, dirs.c].map((d) => openHubDb(hubFiles(d).db)) as [HubDb, HubDb, HubDb];
    const seqs = (db: HubDb) => storedSeqs(db, 'gpu-01');

    const pub = mqtt.connect(broker.url, { clientId: 'adopt-test-agent', clean: false, reconnectPeriod: 200 });
    await new Promise<void>((r) => pub.once('connect', () => r()));
    const acked = new Set<number>();
    let seq = T0;
    const ticker = setInterval(() => {
      const s = ++seq;
      const batch = telemetry('lab', 'gpu-01', s, [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, value: s - T0, ts: s }]);
      pub.publish('kcloud/v1/lab/gpu-01/telemetry', batch, { qos: 1 }, (err) => {
        if (!err) acked.add(s);
      });
    }, 20);
    let held: Set<number>[];
    try {
      await waitFor(() => seqs(dbC).size >= 10 && seqs(dbA).size >= 10, 60_000, 'hub-a and hub-c ingesting');
      hubC.kill('SIGKILL');
      await exited(hubC);
      await waitFor(() => childLines(hubA.logs, 'adopted peer session').some((l) => l.peer === 'hub-c'), 60_000, 'hub-a adopting hub-c');
      // A normal stop: hub-a lets hub-c's session go, then disconnects with its Will.
      hubA.kill('SIGTERM');
      await exited(hubA);
      held = [seqs(dbA), seqs(dbC)];
      await waitFor(() => logged('adopted peer session').length >= 2, 60_000, 'hub-b adopting hub-a and hub-c');
      const adoptedAt = seq;
      await waitFor(() => [...seqs(dbB)].filter((s) => s > adoptedAt).length >= 100, 60_000, 'hub-b storing the whole stream');
    } finally {
      clearInterval(ticker);
    }
    const sent = seq - T0;
    await waitFor(() => acked.size === sent, 60_000, 'every publish acknowledged by mosquitto');
    await pub.endAsync();
    await waitFor(() => union([...held, seqs(dbB)]).size >= acked.size, 60_000, 'every acknowledged batch stored');
    const stored = union([...held, seqs(dbB)]);
    for (const db of [dbA, dbB, dbC]) db.close();
    expect([...acked].filter((s) => !stored.has(s)).map((s) => s - T0)).toEqual([]);
    expect(logged('adopted peer session').map((l) => [l.peer, l.sessionPresent]).sort()).toEqual([['hub-a', true], ['hub-c', true]]);
    expect(childLines(hubA.logs, 'releasing adopted peer session').map((l) => l.peer)).toEqual(['hub-c']);
  });
});

describe('a retained offline state whose session is gone (a decommissioned hub)', () => {
  let broker: Mosquitto | undefined;
  let hub: TestHub | undefined;
  afterAll(async () => {
    await hub?.hub.stop();
    await broker?.stop();
  });

  it('is tried once and leaves no session behind; a hub of another group is never adopted', { timeout: 120_000 }, async () => {
    broker = await startMosquitto();
    const announcer = mqtt.connect(broker.url, { protocolVersion: 5, clientId: 'announcer', reconnectPeriod: 0 });
    await new Promise<void>((r) => announcer.once('connect', () => r()));
    await announcer.publishAsync('kcloud/hubs/hub-gone/state', JSON.stringify({ v: 1, state: 'offline', group: 'ingest' }), { qos: 1, retain: true });
    await announcer.publishAsync('kcloud/hubs/hub-other/state', JSON.stringify({ v: 1, state: 'offline', group: 'other' }), { qos: 1, retain: true });
    await announcer.endAsync();
    hub = await startTestHub({ dataDir: await dataDirWithNode(), broker: { mode: 'external', url: broker.url, clientId: 'hub-a', group: 'ingest' } });
    const logged = (msg: string) => hub!.logs.lines().filter((l) => l.msg === msg);
    await waitFor(() => logged('adopted peer session').length > 0, 60_000, 'hub-a trying hub-gone');
    expect(logged('adopted peer session').map((l) => [l.peer, l.sessionPresent])).toEqual([['hub-gone', false]]);
    // The empty session that connect made was ended with session expiry 0: none is there for hub-gone.
    await waitFor(() => /Client hub-gone disconnected/.test(broker!.output()), 30_000, 'the attempt ended with a DISCONNECT');
    const probe = mqtt.connect(broker.url, { protocolVersion: 5, clientId: 'hub-gone', clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 0 } });
    const connack = await new Promise<{ sessionPresent: boolean }>((r) => probe.once('connect', r));
    await probe.endAsync();
    expect(connack.sessionPresent).toBe(false);
    expect(logged('adopting the session of an offline peer').map((l) => l.peer)).toEqual(['hub-gone']);
  });
});
