import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import type { Sample } from '../../../shared/schema/message.js';
import { connectMqtt, startTestHub, telemetry, type TestHub } from '../../helpers/hub.js';
import { storedSeqs } from '../../helpers/ledger.js';

/**
 * Hostile messages against a real hub (aedes, mqtt.js clients, SQLite), each
 * while an honest node publishes: the attack is refused and counted, and
 * every one of the honest node's batches is acknowledged and stored
 * (issue 14, items 6, 7, 8, 10, 11).
 */
const SERIES_PER_NODE = 30;
const PER_NODE_AND_KIND = 5;
const HONEST_BATCHES = 60;
const HONEST_SAMPLES = 8;
/** An hour ago: inside retention.raw, never in the future. */
const HONEST_T0 = Date.now() - 3_600_000;
const NODES = ['honest', 'poison', 'flood', 'labels', 'clock', 'seq', 'bmc', 'chatty'];

describe('ingest against hostile messages (real hub)', () => {
  let th: TestHub;
  let db: HubDb;
  let adminId: number;
  const clients = new Map<string, MqttClient>();
  let honestSeq = 1_000;

  beforeAll(async () => {
    th = await startTestHub({
      ingest: { groupCommit: '5ms', limits: { seriesPerNode: SERIES_PER_NODE, labelsPerSeries: 8, labelValueLength: 64, clockTolerance: '5m' } },
      retention: { raw: '7d' },
      notifications: { perNodeAndKind: PER_NODE_AND_KIND },
    });
    db = openHubDb(hubFiles(th.dataDir).db);
    for (const name of NODES) await new NodeStore(db).add(name, 'lab', `${name}-secret`);
    for (const name of NODES) clients.set(name, await connectMqtt(th.url, { username: name, password: `${name}-secret` }));
    adminId = (db.prepare("SELECT id FROM users WHERE role = 'admin'").get() as { id: number }).id;
  });

  afterAll(async () => {
    for (const c of clients.values()) c.end(true);
    db?.close();
    await th?.hub.stop();
  });

  const publish = (node: string, kind: string, payload: Buffer) => clients.get(node)!.publishAsync(`kcloud/v1/lab/${node}/${kind}`, payload, { qos: 1 });
  const sample = (metric: string, labels: Record<string, string>, value: number, ts = Date.now()): Sample => ({ metric, labels, value, ts });

  /** The honest node's batches, all in flight at once (so they share group commits with the attack); resolves with their seqs once every one is acknowledged. */
  function honestTraffic(): { done: Promise<unknown>; seqs: number[] } {
    const seqs = Array.from({ length: HONEST_BATCHES }, () => ++honestSeq);
    // One timestamp per seq, never reused: a (series, ts) stored twice keeps its first value.
    const done = Promise.all(
      seqs.map((seq) =>
        publish('honest', 'telemetry', telemetry('lab', 'honest', seq, Array.from({ length: HONEST_SAMPLES }, (_, g) => sample('gpu_power_watts', { gpu: String(g) }, seq, HONEST_T0 + seq)))),
      ),
    );
    return { done, seqs };
  }

  /** The honest node's samples of those seqs (one timestamp per seq) in the store, read through a handle of our own. */
  function honestStored(seqs: number[]): number {
    const tsdb = openTsdb(hubFiles(th.dataDir).tsdb);
    try {
      const t = new Set(seqs.map((s) => s));
      let n = 0;
      for (const s of tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'honest' }])) {
        for (const v of tsdb.readSamples(s.id, 0, 2e13).values) if (t.has(v)) n++;
      }
      return n;
    } finally {
      tsdb.close();
    }
  }

  async function expectHonestStored(seqs: number[]): Promise<void> {
    const held = storedSeqs(db, 'honest');
    expect(seqs.filter((s) => !held.has(s))).toEqual([]);
    expect(honestStored(seqs)).toBe(seqs.length * HONEST_SAMPLES);
    expect(clients.get('honest')!.connected).toBe(true);
  }

  /** Series of a node in the store. */
  function seriesOf(node: string, metric: string): { labels: Record<string, string> }[] {
    const tsdb = openTsdb(hubFiles(th.dataDir).tsdb);
    try {
      return tsdb.findSeries(metric, [{ label: 'node', op: '=', value: node }]);
    } finally {
      tsdb.close();
    }
  }

  const notifications = (category: string, node: string) =>
    db.prepare('SELECT title, message, data FROM notifications WHERE user_id = ? AND category = ? AND node = ? ORDER BY created_at').all(adminId, category, node) as {
      title: string;
      message: string;
      data: string;
    }[];
  const refused = async (node: string) => (await th.hub.counters.snapshot()).refusedSamples[node] ?? {};

  it('a 50 000-deep inventory is refused as too_deep and acknowledged alone; the honest node in the same commits is stored', async () => {
    const before = (await th.hub.counters.snapshot()).rejected.too_deep;
    const honest = honestTraffic();
    const nested = `{"v":1,"cluster":"lab","node":"poison","ts":${Date.now()},"inventory":{"host":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
    // Resolves only on the PUBACK: before, the poison stayed unacknowledged (resent forever) and its group failed.
    await Promise.all([publish('poison', 'inventory', Buffer.from(nested)), honest.done]);
    expect((await th.hub.counters.snapshot()).rejected.too_deep).toBe(before + 1);
    expect(db.prepare("SELECT count(*) AS n FROM inventory JOIN nodes ON nodes.id = node_id WHERE name = 'poison'").get()).toEqual({ n: 0 });
    expect(clients.get('poison')!.connected).toBe(true);
    await expectHonestStored(honest.seqs);
  });

  it('a flood of unique series stops at seriesPerNode: the rest refused and counted for that node, with one notification', async () => {
    const honest = honestTraffic();
    const flood = (seq: number, from: number) =>
      telemetry('lab', 'flood', seq, Array.from({ length: 100 }, (_, i) => sample('gpu_power_watts', { gpu: '0', uuid: `GPU-${from + i}` }, i)));
    await Promise.all([publish('flood', 'telemetry', flood(1, 0)), publish('flood', 'telemetry', flood(2, 100)), honest.done]);
    expect(seriesOf('flood', 'gpu_power_watts')).toHaveLength(SERIES_PER_NODE);
    expect((await refused('flood')).series_limit).toBe(200 - SERIES_PER_NODE);
    // Both batches are stored (their admitted samples), so the agent does not resend them.
    expect(storedSeqs(db, 'flood')).toEqual(new Set([1, 2]));
    expect(await th.hub.registry.metrics()).toContain(`ingest_samples_refused_total{node="flood",reason="series_limit"} ${200 - SERIES_PER_NODE}`);
    const sent = notifications('ingest_refused', 'flood');
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.data)).toMatchObject({ reason: 'series_limit' });
    await expectHonestStored(honest.seqs);
  });

  it('refuses new series with too many labels, a too long label value or control characters, by reason', async () => {
    const honest = honestTraffic();
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`l${i}`, 'x']));
    await Promise.all([
      publish(
        'labels',
        'telemetry',
        telemetry('lab', 'labels', 1, [
          sample('gpu_power_watts', many, 1),
          sample('gpu_power_watts', { gpu: 'y'.repeat(65) }, 2),
          sample('gpu_power_watts', { gpu: 'a\u202eb' }, 3),
          sample('gpu_power_watts', { gpu: '0' }, 4),
        ]),
      ),
      honest.done,
    ]);
    expect(await refused('labels')).toEqual({ too_many_labels: 1, label_too_long: 1, bad_label_value: 1 });
    expect(seriesOf('labels', 'gpu_power_watts').map((s) => s.labels.gpu)).toEqual(['0']);
    await expectHonestStored(honest.seqs);
  });

  it('refuses samples stamped beyond now + clockTolerance or older than retention.raw; the batch keeps the rest', async () => {
    const honest = honestTraffic();
    const now = Date.now();
    await Promise.all([
      publish(
        'clock',
        'telemetry',
        telemetry('lab', 'clock', 1, [
          sample('gpu_power_watts', { gpu: '0' }, 9999, 9.99e12),
          sample('gpu_power_watts', { gpu: '0' }, 8888, now + 6 * 60_000),
          sample('gpu_power_watts', { gpu: '0' }, 7777, now - 8 * 86_400_000),
          sample('gpu_power_watts', { gpu: '0' }, 250, now),
        ]),
      ),
      honest.done,
    ]);
    expect(await refused('clock')).toEqual({ future_timestamp: 2, too_old: 1 });
    const tsdb = openTsdb(hubFiles(th.dataDir).tsdb);
    try {
      const [series] = tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'clock' }]);
      expect([...tsdb.readSamples(series!.id, 0, 2e13).values]).toEqual([250]);
    } finally {
      tsdb.close();
    }
    await expectHonestStored(honest.seqs);
  });

  it('refuses a seq past 2^53 - 1 (1e308 was stored as REAL) and acknowledges it', async () => {
    const before = (await th.hub.counters.snapshot()).rejected.invalid_field;
    const honest = honestTraffic();
    const payload = telemetry('lab', 'seq', 7, [sample('gpu_power_watts', { gpu: '0' }, 1)]).toString().replace('"seq":7', '"seq":1e308');
    await Promise.all([publish('seq', 'telemetry', Buffer.from(payload)), honest.done]);
    expect((await th.hub.counters.snapshot()).rejected.invalid_field).toBe(before + 1);
    expect(db.prepare("SELECT last_seq, typeof(last_seq) AS type FROM nodes WHERE name = 'seq'").get()).toEqual({ last_seq: null, type: 'null' });
    expect(storedSeqs(db, 'seq').size).toBe(0);
    await expectHonestStored(honest.seqs);
  });

  it('a batch of critical sensors with HTML names makes at most perNodeAndKind notifications and one summary, without markup', async () => {
    const honest = honestTraffic();
    const rows = Array.from({ length: 5000 }, (_, i) => sample('ipmi_sensor_state', { sensor: `<img src=x onerror=alert(${i})>`, id: `${i}h` }, 2));
    await Promise.all([publish('bmc', 'telemetry', telemetry('lab', 'bmc', 1, rows)), honest.done]);
    const sensors = notifications('bmc_sensor_critical', 'bmc');
    expect(sensors).toHaveLength(PER_NODE_AND_KIND);
    expect(notifications('notifications_suppressed', 'bmc')).toHaveLength(1);
    for (const n of [...sensors, ...notifications('ingest_refused', 'bmc')]) {
      expect(`${n.title} ${n.message} ${n.data}`).not.toMatch(/[<>]/);
    }
    expect(sensors[0]!.title).toBe('BMC sensor img src=x onerror=alert(0) critical on bmc');
    await expectHonestStored(honest.seqs);
  });

  it("caps and cleans a status's agent version and collector reasons before storing them", async () => {
    const status = (errors: number) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          cluster: 'lab',
          node: 'chatty',
          ts: Date.now(),
          state: 'online',
          agentVersion: `<script>x</script>${'9'.repeat(100)}`,
          sources: { ipmi: { enabled: true, reason: `<b>bad</b>\u0007 ${'r'.repeat(1000)}`, lastSampleTs: null, errors } },
        }),
      );
    await publish('chatty', 'status', status(0));
    await publish('chatty', 'status', status(3));
    const row = db.prepare("SELECT agent_version AS version, status_json AS json FROM nodes WHERE name = 'chatty'").get() as { version: string; json: string };
    expect(row.version).toHaveLength(64);
    expect(row.version.startsWith('scriptx/script999')).toBe(true);
    const reason = (JSON.parse(row.json) as { sources: { ipmi: { reason: string } } }).sources.ipmi.reason;
    expect(reason).toHaveLength(300);
    expect(reason.startsWith('bbad/b rrr')).toBe(true);
    const [n] = notifications('collector_error', 'chatty');
    expect(n!.message).not.toMatch(/[<>]/);
    expect(n!.message).not.toContain('\u0007');
  });
});
