import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { subscriptionFilters } from '../../../hub/broker/external.js';
import { openHubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { storedSeqs } from '../../helpers/ledger.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { startTestHub, telemetry, type TestHub } from '../../helpers/hub.js';
import { waitFor } from '../../helpers/spawn-agent.js';

// Recent, so the store's raw retention (7 days) keeps the samples.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mosquitto whose sessions and queues survive its restart. */
async function persistentMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-mosq-'));
  // Started as root, mosquitto drops to its own user and must still write here.
  chmodSync(dir, 0o777);
  return startMosquitto({ extraConfig: `persistence true\npersistence_location ${dir}/\nautosave_interval 1\nmax_queued_messages 10000\n` });
}

describe('external broker mode (real mosquitto 2.x)', () => {
  let broker: Mosquitto | undefined;
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.hub.stop();
    await broker?.stop();
  });

  it('subscribes to telemetry through the shared subscription of its group and to status and inventory plainly, or to everything plainly without a group', () => {
    expect(subscriptionFilters('kcloud-hub').sort()).toEqual(['$share/kcloud-hub/kcloud/v1/+/+/telemetry', 'kcloud/v1/+/+/inventory', 'kcloud/v1/+/+/status']);
    expect(subscriptionFilters('')).toEqual(['kcloud/v1/+/+/+']);
  });

  /**
   * An agent-like publisher sends one QoS 1 batch every 20 ms into mosquitto
   * and records each PUBACK; `disrupt` restarts things meanwhile. Afterwards
   * every seq mosquitto acknowledged must be in the hub's store exactly once.
   */
  async function nothingLost(group: string, disrupt: (restartHub: () => Promise<void>) => Promise<void>) {
    broker = await persistentMosquitto();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-ext-')), 'data');
    const config = { dataDir, broker: { mode: 'external', url: broker.url, clientId: 'hub-ext-test', group } };
    hub = await startTestHub(config);
    const db = openHubDb(hubFiles(dataDir).db);
    await new NodeStore(db).add('gpu-01', 'lab', 'unused-here');
    await waitFor(() => hub!.logs.lines().some((l) => l.msg === 'connected to external broker'), 10_000, 'hub connected to mosquitto');
    await sleep(300);

    const pub = mqtt.connect(broker.url, { clientId: 'ext-test-agent', clean: false, reconnectPeriod: 200 });
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
    try {
      await disrupt(async () => {
        await hub!.hub.stop();
        // Messages for the hub's session queue at the broker meanwhile.
        await sleep(1000);
        hub = await startTestHub(config);
      });
      await sleep(500);
    } finally {
      clearInterval(ticker);
    }
    const sent = seq - T0;
    await waitFor(() => acked.size === sent, 20_000, 'every publish acknowledged by mosquitto');
    await pub.endAsync();
    const stored = () => storedSeqs(db, 'gpu-01');
    await waitFor(() => stored().size >= acked.size, 30_000, 'every acknowledged seq stored by the hub');
    const got = stored();
    db.close();
    expect([...acked].filter((s) => !got.has(s)).map((s) => s - T0)).toEqual([]);
    expect(got.size).toBe(acked.size);
    expect(acked.size).toBeGreaterThan(80);
    // One sample per batch, each with its own ts: the store holds each exactly once.
    const tsdb = openTsdb(hubFiles(dataDir).tsdb);
    const [series] = tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'gpu-01' }]);
    const ts = [...tsdb.readBuckets(series!.id, T0, T0 + 3_600_000, 1)].map((b) => b.ts);
    tsdb.close();
    expect(ts.length).toBe(acked.size);
    expect(new Set(ts)).toEqual(acked);
  }

  it('plain subscription: nothing acknowledged is lost across a broker restart and a hub restart', async () => {
    await nothingLost('', async (restartHub) => {
      await sleep(1000);
      await broker!.stop(); // SIGTERM: mosquitto saves sessions and queues
      await sleep(500);
      await broker!.start();
      await sleep(1000);
      await restartHub();
    });
  }, 90_000);

  it('a lost connection is warned about and reconnected; the hub\'s own stop is quiet: a DISCONNECT, no warning, no error', async () => {
    broker = await startMosquitto();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-ext-')), 'data');
    hub = await startTestHub({ dataDir, broker: { mode: 'external', url: broker.url, clientId: 'hub-quiet', group: 'ingest' } });
    const { logs } = hub;
    const says = (msg: string) => logs.lines().filter((l) => l.msg === msg).length;
    await waitFor(() => says('connected to external broker') === 1, 10_000, 'hub connected to mosquitto');
    await broker.kill();
    await waitFor(() => says('external broker connection lost; reconnecting') === 1, 10_000, 'the loss warned about');
    await broker.start();
    await waitFor(() => says('connected to external broker') === 2, 20_000, 'hub reconnected');
    const warnings = () => logs.lines().filter((l) => (l.level as number) >= 40).map((l) => l.msg);
    const before = warnings();
    await hub.hub.stop();
    hub = undefined;
    expect(warnings()).toEqual(before);
    expect(says('disconnected from external broker')).toBe(1);
    expect(before.filter((m) => m === 'external broker connection lost; reconnecting')).toHaveLength(1);
    // mosquitto logs a DISCONNECT packet as "disconnected", a dropped connection as "closed its connection" or a timeout.
    await waitFor(() => /Client hub-quiet disconnected/.test(broker!.output()), 10_000, 'mosquitto got the hub\'s DISCONNECT');
  }, 60_000);

  it('shared subscription: nothing acknowledged is lost while the hub restarts', async () => {
    await nothingLost('kcloud-hub', async (restartHub) => {
      await sleep(1000);
      await restartHub();
    });
  }, 90_000);
});
