import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { runQuery } from '../../../shared/query/engine.js';
import { ADMIN_PASSWORD, connectMqtt, startTestHub, telemetry, type TestHub } from '../../helpers/hub.js';
import { ledgerRows, rangesHolding, storedSeqs } from '../../helpers/ledger.js';
import { waitFor } from '../../helpers/spawn-agent.js';

// Recent, so the store's raw retention (7 days) keeps the samples; whole seconds keep seqs readable.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const power = (value: number, ts: number) => ({ metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value, ts });

/** Samples of a metric in the store, counted through the shared query engine on a read-only tsdb handle. */
function storedSamples(th: TestHub, metric: string, matchers: { label: string; op: '='; value: string }[] = []): number {
  const tsdb = openTsdb(hubFiles(th.dataDir).tsdb);
  try {
    // One step over the whole test range; not a multiple of 1 m, so the store answers from raw samples.
    const series = runQuery(tsdb, { metric, matchers, start: T0 - 3_600_000, end: T0 + 7_200_001, step: 10_800_001, agg: 'count' });
    return series.reduce((n, s) => n + s.points.reduce((m, [, v]) => m + v, 0), 0);
  } finally {
    tsdb.close();
  }
}

describe('embedded broker (real aedes over TCP, real mqtt.js clients)', () => {
  let th: TestHub;
  let db: HubDb;
  const clients: MqttClient[] = [];
  const connect = async (username: string | undefined, password: string | undefined, extra = {}) => {
    const c = await connectMqtt(th.url, { username, password, ...extra });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    th = await startTestHub({ ingest: { groupCommit: '5ms' } });
    // A second connection to hub.db, as the CLI would use while the hub runs.
    db = openHubDb(hubFiles(th.dataDir).db);
    await new NodeStore(db).add('gpu-01', 'lab', 'gpu-01-secret');
    await new NodeStore(db).add('gpu-02', 'lab', 'gpu-02-secret');
    await new UserStore(db).add('grafana', 'viewer', 'viewer-secret');
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    db?.close();
    await th?.hub.stop();
  });

  describe('authentication', () => {
    it.each([
      ['node', 'gpu-01', 'gpu-01-secret'],
      ['viewer user', 'grafana', 'viewer-secret'],
      ['admin user', 'admin', ADMIN_PASSWORD],
    ])('accepts a %s', async (_who, username, password) => {
      const c = await connect(username, password);
      expect(c.connected).toBe(true);
    });

    it.each([
      ['a wrong password', 'gpu-01', 'nope'],
      ["another node's password", 'gpu-01', 'gpu-02-secret'],
      ['an unknown name', 'gpu-99', 'gpu-01-secret'],
      ['anonymous', undefined, undefined],
      ['a username without password', 'gpu-01', undefined],
    ])('refuses %s with CONNACK 4 (bad username or password)', async (_what, username, password) => {
      await expect(connectMqtt(th.url, { username, password })).rejects.toMatchObject({ code: 4 });
    });
  });

  it('stores a batch before its PUBACK: the rows are readable from inside the publish callback', async () => {
    const c = await connect('gpu-01', 'gpu-01-secret');
    const seq = T0 + 1;
    const seen = await new Promise<{ recorded: boolean; samples: number }>((resolve, reject) => {
      c.publish('kcloud/v1/lab/gpu-01/telemetry', telemetry('lab', 'gpu-01', seq, [power(41.5, T0), power(42.5, T0 + 1000)]), { qos: 1 }, (err) => {
        if (err) return reject(err);
        // Runs on PUBACK: read both databases through connections of our own.
        const reader = new Database(hubFiles(th.dataDir).db, { readonly: true });
        const recorded = storedSeqs(reader, 'gpu-01').has(seq);
        reader.close();
        resolve({ recorded, samples: storedSamples(th, 'rapl_power_watts', [{ label: 'node', op: '=', value: 'gpu-01' }]) });
      });
    });
    expect(seen.recorded).toBe(true);
    expect(seen.samples).toBe(2);
  });

  it('stores a redelivered (node, seq) once', async () => {
    const c = await connect('gpu-01', 'gpu-01-secret');
    const before = storedSamples(th, 'rapl_power_watts');
    const dupBefore = (await th.hub.counters.snapshot()).duplicates;
    const payload = telemetry('lab', 'gpu-01', T0 + 2, [power(43, T0 + 2000), power(44, T0 + 3000), power(45, T0 + 4000)]);
    for (let i = 0; i < 3; i++) await c.publishAsync('kcloud/v1/lab/gpu-01/telemetry', payload, { qos: 1 });
    // Also twice inside one group commit.
    await Promise.all([0, 1].map(() => c.publishAsync('kcloud/v1/lab/gpu-01/telemetry', payload, { qos: 1 })));
    expect(storedSamples(th, 'rapl_power_watts')).toBe(before + 3);
    expect((await th.hub.counters.snapshot()).duplicates).toBe(dupBefore + 4);
    expect(rangesHolding(db, T0 + 2)).toBe(1);
  });

  it("refuses a node publishing to another node's topic: no PUBACK, connection closed, nothing stored", async () => {
    const c = await connect('gpu-01', 'gpu-01-secret');
    const before = storedSamples(th, 'rapl_power_watts');
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    let acked = false;
    c.publish('kcloud/v1/lab/gpu-02/telemetry', telemetry('lab', 'gpu-02', T0 + 100, [power(99, T0 + 100)]), { qos: 1 }, (err) => {
      if (!err) acked = true;
    });
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(acked).toBe(false);
    expect(storedSamples(th, 'rapl_power_watts')).toBe(before);
    expect(rangesHolding(db, T0 + 100)).toBe(0);
    expect(th.logs.lines().some((l) => l.msg === 'mqtt publish refused' && l.topic === 'kcloud/v1/lab/gpu-02/telemetry')).toBe(true);
  });

  it('lets a viewer subscribe to kcloud/v1/# and receive telemetry, but not publish or subscribe outside', async () => {
    const viewer = await connect('grafana', 'viewer-secret');
    const granted = await viewer.subscribeAsync('kcloud/v1/#', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    // SUBACK 0x80 for a filter outside kcloud/v1/ (mqtt.js turns it into an error); the connection stays.
    await expect(viewer.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(viewer.connected).toBe(true);
    const received = new Promise<Buffer>((r) => viewer.once('message', (_t, p) => r(p)));
    const node = await connect('gpu-01', 'gpu-01-secret');
    const payload = telemetry('lab', 'gpu-01', T0 + 3, [power(50, T0 + 5000)]);
    await node.publishAsync('kcloud/v1/lab/gpu-01/telemetry', payload, { qos: 1 });
    expect((await received).equals(payload)).toBe(true);

    const closed = new Promise<void>((r) => viewer.once('close', () => r()));
    viewer.publish('kcloud/v1/lab/gpu-01/telemetry', telemetry('lab', 'gpu-01', T0 + 4, [power(1, T0 + 6000)]), { qos: 1 });
    await closed;
    expect(rangesHolding(db, T0 + 4)).toBe(0);
  });

  it('tracks online/offline from status and the Last Will, seq gaps, and inventory versions', async () => {
    const status = (state: 'online' | 'offline', ts: number) => Buffer.from(JSON.stringify({ v: 1, cluster: 'lab', node: 'gpu-02', ts, state, agentVersion: '0.1.0' }));
    const c = await connect('gpu-02', 'gpu-02-secret', { will: { topic: 'kcloud/v1/lab/gpu-02/status', payload: status('offline', T0), qos: 1, retain: true } });
    await c.publishAsync('kcloud/v1/lab/gpu-02/status', status('online', T0 + 1), { qos: 1, retain: true });
    const nodeRow = () => db.prepare("SELECT state, agent_version AS v, last_seq AS lastSeq, gaps, missing FROM nodes WHERE name = 'gpu-02'").get();
    expect(nodeRow()).toMatchObject({ state: 'online', v: '0.1.0' });

    for (const seq of [T0 + 10, T0 + 11, T0 + 15]) await c.publishAsync('kcloud/v1/lab/gpu-02/telemetry', telemetry('lab', 'gpu-02', seq, [power(1, seq)]), { qos: 1 });
    expect(nodeRow()).toMatchObject({ lastSeq: T0 + 15, gaps: 1, missing: 3 });
    await c.publishAsync('kcloud/v1/lab/gpu-02/telemetry', telemetry('lab', 'gpu-02', T0 + 13, [power(1, T0 + 13)]), { qos: 1 });
    expect(nodeRow()).toMatchObject({ lastSeq: T0 + 15, gaps: 1, missing: 2 });

    const inv = (gpus: number) => Buffer.from(JSON.stringify({ v: 1, cluster: 'lab', node: 'gpu-02', ts: T0 + gpus, inventory: { host: { cpus: 64 }, gpu: { count: gpus } } }));
    for (const p of [inv(8), inv(8), inv(4)]) await c.publishAsync('kcloud/v1/lab/gpu-02/inventory', p, { qos: 1, retain: true });
    const versions = db.prepare("SELECT body FROM inventory JOIN nodes ON nodes.id = node_id WHERE name = 'gpu-02' ORDER BY inventory.id").all();
    expect(versions).toEqual([{ body: '{"gpu":{"count":8},"host":{"cpus":64}}' }, { body: '{"gpu":{"count":4},"host":{"cpus":64}}' }]);

    // An unclean disconnect: the broker publishes the will, ingest marks the node offline.
    c.stream.destroy();
    await waitFor(() => (nodeRow() as { state: string }).state === 'offline', 5000, 'Last Will processed');
  });

  it('survives 10 000 malformed payloads from an authenticated node: all acknowledged, counted by reason, store untouched', async () => {
    const node = await connect('gpu-02', 'gpu-02-secret');
    const viewer = await connect('grafana', 'viewer-secret');
    let forwarded = 0;
    await viewer.subscribeAsync('kcloud/v1/lab/gpu-02/telemetry', { qos: 1 });
    viewer.on('message', () => (forwarded += 1));

    const good = JSON.parse(telemetry('lab', 'gpu-02', T0 + 500, [power(1, T0)]).toString()) as Record<string, unknown>;
    const cases: [string, (i: number) => Buffer][] = [
      ['not_json', (i) => Buffer.from(`{"v":1,"seq":${i}`)],
      ['not_json', (i) => Buffer.from(Array.from({ length: 1 + (i % 300) }, (_, k) => (i * 31 + k * 17) % 256))],
      ['bad_version', (i) => Buffer.from(JSON.stringify({ ...good, v: 2 + (i % 5) }))],
      ['missing_field', (i) => Buffer.from(JSON.stringify({ ...good, [['seq', 'ts', 'samples', 'node', 'cluster'][i % 5]!]: undefined }))],
      ['invalid_field', (i) => Buffer.from(JSON.stringify({ ...good, samples: [{ metric: 'rapl_power_watts', value: [String(i), null, true, {}][i % 4] }] }))],
      ['invalid_field', (i) => Buffer.from(JSON.stringify({ ...good, seq: -i }))],
      ['identity_mismatch', (i) => Buffer.from(JSON.stringify({ ...good, node: `gpu-0${1 + (i % 2) * 2}` }))],
    ];
    const expected: Record<string, number> = {};
    const before = await th.hub.counters.snapshot();
    const samplesBefore = storedSamples(th, 'rapl_power_watts');
    const ledgerBefore = ledgerRows(db);

    const N = 10_000;
    for (let start = 0; start < N; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - start) }, (_, k) => {
          const i = start + k;
          const [reason, make] = cases[i % cases.length]!;
          expected[reason] = (expected[reason] ?? 0) + 1;
          return node.publishAsync('kcloud/v1/lab/gpu-02/telemetry', make(i), { qos: 1 });
        }),
      );
    }
    // Three payloads over the 4 MiB limit.
    for (let i = 0; i < 3; i++) await node.publishAsync('kcloud/v1/lab/gpu-02/telemetry', Buffer.alloc(4 * 1024 * 1024 + 1 + i, 0x7b), { qos: 1 });
    expected.too_large = 3;

    const after = await th.hub.counters.snapshot();
    for (const [reason, n] of Object.entries(expected)) expect(after.rejected[reason as keyof typeof after.rejected] - before.rejected[reason as keyof typeof before.rejected], reason).toBe(n);
    expect(after.samples).toBe(before.samples);
    expect(storedSamples(th, 'rapl_power_watts')).toBe(samplesBefore);
    expect(ledgerRows(db)).toEqual(ledgerBefore);
    expect(forwarded).toBe(0);
    for (const file of [hubFiles(th.dataDir).db, hubFiles(th.dataDir).tsdb]) {
      const check = new Database(file, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
    }
    // Still serving: the same connection stores a good batch, and the viewer gets it.
    await node.publishAsync('kcloud/v1/lab/gpu-02/telemetry', telemetry('lab', 'gpu-02', T0 + 600, [power(7, T0 + 600)]), { qos: 1 });
    expect(storedSamples(th, 'rapl_power_watts')).toBe(samplesBefore + 1);
    await waitFor(() => forwarded === 1, 2000, 'good batch forwarded to the viewer');
    // Logged, but not 10 000 times.
    const logged = th.logs.lines().filter((l) => l.msg === 'message rejected (acknowledged, not stored)' && l.node === 'gpu-02');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThanOrEqual(5 * 8);
    expect(logged[0]).toHaveProperty('field');
  }, 120_000);
});
