import { Encoder, Tag } from 'cbor-x/decode';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { runQuery } from '../../../shared/query/engine.js';
import { encodeCbor } from '../../../shared/schema/cbor.js';
import { MESSAGE_VERSION, type Sample } from '../../../shared/schema/message.js';
import { connectMqtt, startTestHub, telemetry, type TestHub } from '../../helpers/hub.js';

/**
 * CBOR telemetry through a real hub (aedes over TCP, mqtt.js clients,
 * SQLite): stored exactly as its JSON twin, deduplicated with it on
 * (node, seq), and hostile CBOR refused, counted and acknowledged while the
 * connection stays.
 */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const uuid = (g: number) => `GPU-5d6c0000-0000-4000-8000-${String(g).padStart(12, '0')}`;
/** Two metrics over 4 GPUs, fractional values, each sample 1 ms apart, plus one sample stamped by the batch. */
const samples = (): Sample[] => [
  ...[0, 1, 2, 3].flatMap((g) => [
    { metric: 'gpu_power_watts', labels: { gpu: String(g), uuid: uuid(g) }, value: 300.05 + g / 3, ts: T0 + g },
    { metric: 'gpu_temperature_celsius', labels: { gpu: String(g), uuid: uuid(g) }, value: 60 + g, ts: T0 + g },
  ]),
  { metric: 'agent_outbox_depth', value: 2 },
];
const cbor = (node: string, seq: number, s: Sample[], ts = T0 + 10) => encodeCbor({ v: MESSAGE_VERSION, cluster: 'lab', node, seq, ts, samples: s });

/** Every stored sample of `node` as [metric, labels without node, ts, value], read back through the query engine. */
function stored(th: TestHub, node: string): [string, Record<string, string>, number, number][] {
  const tsdb = openTsdb(hubFiles(th.dataDir).tsdb);
  try {
    return ['gpu_power_watts', 'gpu_temperature_celsius', 'agent_outbox_depth'].flatMap((metric) =>
      runQuery(tsdb, { metric, matchers: [{ label: 'node', op: '=', value: node }], start: T0, end: T0 + 20, step: 1, agg: 'last' }).flatMap((s) => {
        const { node: _node, ...labels } = s.labels;
        return s.points.map(([ts, v]): [string, Record<string, string>, number, number] => [metric, labels, ts, v]);
      }),
    );
  } finally {
    tsdb.close();
  }
}

describe('CBOR telemetry (real hub)', () => {
  let th: TestHub;
  const clients = new Map<string, MqttClient>();
  const publish = (node: string, payload: Buffer) => clients.get(node)!.publishAsync(`kcloud/v1/lab/${node}/telemetry`, payload, { qos: 1 });

  beforeAll(async () => {
    th = await startTestHub({ retention: { raw: '7d' } });
    const db = openHubDb(hubFiles(th.dataDir).db);
    for (const name of ['json-node', 'cbor-node', 'hostile']) await new NodeStore(db).add(name, 'lab', `${name}-secret`);
    db.close();
    for (const name of ['json-node', 'cbor-node', 'hostile']) clients.set(name, await connectMqtt(th.url, { username: name, password: `${name}-secret` }));
  });

  afterAll(async () => {
    for (const c of clients.values()) c.end(true);
    await th?.hub.stop();
  });

  it('a CBOR batch is stored exactly as its JSON twin, and the bus carries the same rows', async () => {
    const rows = new Map<string, unknown[]>();
    const onSamples = (e: { node: { name: string }; rows: { metric: string; labels: Record<string, string>; ts: number; value: number }[] }) =>
      rows.set(e.node.name, e.rows.map(({ metric, labels: { node: _node, ...labels }, ts, value }) => ({ metric, labels, ts, value })));
    th.hub.bus.on('samples', onSamples);
    try {
      await publish('json-node', telemetry('lab', 'json-node', 1, samples(), T0 + 10));
      await publish('cbor-node', cbor('cbor-node', 1, samples()));
    } finally {
      th.hub.bus.off('samples', onSamples);
    }
    expect(rows.get('cbor-node')).toHaveLength(9);
    expect(rows.get('cbor-node')).toEqual(rows.get('json-node'));
    const fromJson = stored(th, 'json-node');
    expect(fromJson).toHaveLength(9);
    expect(fromJson).toContainEqual(['gpu_power_watts', { cluster: 'lab', gpu: '1', uuid: uuid(1) }, T0 + 1, 300.05 + 1 / 3]);
    // The sample without a ts took the batch's.
    expect(fromJson).toContainEqual(['agent_outbox_depth', { cluster: 'lab' }, T0 + 10, 2]);
    expect(stored(th, 'cbor-node')).toEqual(fromJson);
  });

  it('the CBOR twin of a stored JSON batch (same node and seq) is a duplicate: acknowledged, not stored again', async () => {
    const before = await th.hub.counters.snapshot();
    const later = samples().map((s) => ({ ...s, ts: T0 + 15 }));
    await publish('json-node', telemetry('lab', 'json-node', 2, later, T0 + 15));
    await publish('json-node', cbor('json-node', 2, later.map((s) => ({ ...s, value: s.value + 1000 })), T0 + 15));
    const after = await th.hub.counters.snapshot();
    expect(after.duplicates).toBe(before.duplicates + 1);
    expect(after.samples).toBe(before.samples + 9);
    const at15 = stored(th, 'json-node').filter(([, , ts]) => ts === T0 + 15);
    expect(at15.map(([, , , v]) => v).sort((a, b) => a - b)).toEqual(later.map((s) => s.value).sort((a, b) => a - b));
  });

  it('hostile CBOR is refused, counted and acknowledged; the connection stays and the next batch is stored', async () => {
    const before = (await th.hub.counters.snapshot()).rejected;
    const deep = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), Buffer.alloc(500_000, 0x81), Buffer.from([0])]);
    // A ~1 MB bignum, which cbor-x would build byte by byte in quadratic time, as a sample's value.
    const bignum = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), new Encoder({ useRecords: false }).encode({ v: 1, cluster: 'lab', node: 'hostile', seq: 1, ts: T0, samples: [{ metric: 'gpu_power_watts', value: new Tag(Buffer.alloc(1_000_000, 0xff), 2) }] })]);
    const nan = cbor('hostile', 1, [{ metric: 'gpu_power_watts', value: NaN, ts: T0 }]);
    const otherNode = cbor('cbor-node', 7, samples());
    for (const payload of [deep, bignum, nan, otherNode]) await publish('hostile', payload);
    const after = (await th.hub.counters.snapshot()).rejected;
    expect(after.too_deep).toBe(before.too_deep + 1);
    expect(after.not_cbor).toBe(before.not_cbor + 1);
    expect(after.invalid_field).toBe(before.invalid_field + 1);
    expect(after.identity_mismatch).toBe(before.identity_mismatch + 1);
    expect(stored(th, 'hostile')).toEqual([]);
    expect(clients.get('hostile')!.connected).toBe(true);
    await publish('hostile', cbor('hostile', 2, samples()));
    expect(stored(th, 'hostile')).toHaveLength(9);
  });
});
