import { execFile } from 'node:child_process';
import { connect as connectTcp, type Socket } from 'node:net';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';
import { connectMqtt, startTestHub, telemetry, type TestHub } from '../../helpers/hub.js';
import { storedSeqs } from '../../helpers/ledger.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { counterValue } from './counters.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const power = (value: number, ts: number) => ({ metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value, ts });
const TOPIC = 'kcloud/v1/lab/gpu-01/telemetry';
/** A CONNECT fixed header declaring the largest Remaining Length MQTT allows (268 435 455 bytes, 256 MiB). */
const HUGE_CONNECT_HEADER = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]);

const MAX_PACKET = 64 * 1024;
const MAX_CONNECT = 4096;
const MAX_PENDING = 4;

/** A raw TCP connection to the broker, with a promise that settles when the broker closes it. */
function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

describe('embedded broker connection limits (real hub, raw sockets, mqtt.js, mosquitto clients)', () => {
  let th: TestHub;
  let db: HubDb;
  const clients: MqttClient[] = [];
  const connect = async (username: string, password: string, extra = {}) => {
    const c = await connectMqtt(th.url, { username, password, ...extra });
    clients.push(c);
    return c;
  };
  const refusedCount = (action: string) => counterValue(th.hub.registry, 'mqtt_refused_total', { action });
  const port = () => th.hub.ports!.mqtt;
  /** Publishes one batch as gpu-01 and resolves on its PUBACK. */
  const publishBatch = (c: MqttClient, seq: number) => c.publishAsync(TOPIC, telemetry('lab', 'gpu-01', seq, [power(40, seq)]), { qos: 1 });
  const stored = (seq: number) => storedSeqs(db, 'gpu-01').has(seq);

  beforeAll(async () => {
    th = await startTestHub({
      ingest: { groupCommit: '5ms' },
      broker: {
        websocket: { port: 0 },
        // connectTimeout long: a connection closed here was closed by the limit under test, not by the CONNECT timer.
        limits: { maxPacketSize: MAX_PACKET, maxConnectSize: MAX_CONNECT, maxUnauthenticatedPerSource: MAX_PENDING, connectTimeout: '10m' },
        sessions: { maxMessages: 5, maxPerPrincipal: 2 },
      },
    });
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

  describe('packet size', () => {
    it('closes a connection whose CONNECT declares 256 MiB after its header, while an honest node is stored and acknowledged', async () => {
      const node = await connect('gpu-01', 'gpu-01-secret');
      const before = await refusedCount('packet_too_large');
      const attackers = await Promise.all([0, 1, 2].map(() => rawSocket(port())));
      // Only the 5-byte header and a few bytes of the variable header: nothing near 256 MiB is ever sent.
      for (const a of attackers) a.socket.write(Buffer.concat([HUGE_CONNECT_HEADER, Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54])]));
      await publishBatch(node, T0 + 1);
      await Promise.all(attackers.map((a) => a.closed));
      expect(attackers.every((a) => a.socket.bytesWritten === HUGE_CONNECT_HEADER.length + 6)).toBe(true);
      expect(await refusedCount('packet_too_large')).toBe(before + 3);
      expect(stored(T0 + 1)).toBe(true);
      expect(node.connected).toBe(true);
      const line = th.logs.lines().find((l) => l.msg === 'mqtt packet too large: connection closed');
      expect(line).toMatchObject({ cmd: 'connect', declared: 268_435_455, limit: MAX_CONNECT });
    });

    it('refuses a CONNECT above maxConnectSize (a 16 KiB will) before authentication', async () => {
      const before = await refusedCount('packet_too_large');
      const will = { topic: 'kcloud/v1/lab/gpu-01/status', payload: Buffer.alloc(16 * 1024, 0x61), qos: 1 as const, retain: false };
      await expect(connectMqtt(th.url, { username: 'gpu-01', password: 'gpu-01-secret', will })).rejects.toThrow(/closed before CONNACK/);
      expect(await refusedCount('packet_too_large')).toBe(before + 1);
    });

    it('takes packets above maxConnectSize once authenticated, and closes the connection on one above maxPacketSize without a PUBACK', async () => {
      const node = await connect('gpu-01', 'gpu-01-secret');
      const samples = Array.from({ length: 200 }, (_, i) => power(i, T0 + 10_000 + i));
      const mid = telemetry('lab', 'gpu-01', T0 + 2, samples);
      expect(mid.length).toBeGreaterThan(MAX_CONNECT);
      await node.publishAsync(TOPIC, mid, { qos: 1 });
      expect(stored(T0 + 2)).toBe(true);

      const before = await refusedCount('packet_too_large');
      const closed = new Promise<void>((r) => node.once('close', () => r()));
      let acked = false;
      node.publish(TOPIC, Buffer.alloc(MAX_PACKET + 1, 0x20), { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await closed;
      expect(acked).toBe(false);
      expect(await refusedCount('packet_too_large')).toBe(before + 1);
      expect(th.logs.lines().some((l) => l.msg === 'mqtt packet too large: connection closed' && l.cmd === 'publish' && l.limit === MAX_PACKET)).toBe(true);
    });

    it('closes a WebSocket that sends a frame above maxPacketSize (1009) and an MQTT-over-WebSocket CONNECT declaring 256 MiB', async () => {
      const url = `ws://127.0.0.1:${th.hub.ports!.ws}/mqtt`;
      const open = (ws: WebSocket) => new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

      const big = new WebSocket(url, 'mqtt');
      await open(big);
      const bigClosed = closeCode(big);
      big.send(Buffer.alloc(MAX_PACKET + 1));
      expect(await bigClosed).toBe(1009);

      const before = await refusedCount('packet_too_large');
      const header = new WebSocket(url, 'mqtt');
      await open(header);
      const headerClosed = closeCode(header);
      header.send(HUGE_CONNECT_HEADER);
      await headerClosed;
      expect(await refusedCount('packet_too_large')).toBe(before + 1);
    });
  });

  describe('client ids', () => {
    const agentId = 'kcloud-agent-lab-gpu-01';

    it("refuses a viewer using the agent's client id (CONNACK 2) and leaves the agent connected", async () => {
      const agent = await connect('gpu-01', 'gpu-01-secret', { clientId: agentId });
      let agentCloses = 0;
      agent.on('close', () => (agentCloses += 1));
      const before = await refusedCount('client_id');
      await expect(connectMqtt(th.url, { username: 'grafana', password: 'viewer-secret', clientId: agentId })).rejects.toMatchObject({ code: 2 });
      await expect(connectMqtt(th.url, { username: 'gpu-02', password: 'gpu-02-secret', clientId: agentId })).rejects.toMatchObject({ code: 2 });
      // The agent's next batch is taken on the same connection.
      await publishBatch(agent, T0 + 3);
      expect(stored(T0 + 3)).toBe(true);
      expect(agentCloses).toBe(0);
      expect(await refusedCount('client_id')).toBe(before + 2);
      const node = db.prepare("SELECT state FROM nodes WHERE name = 'gpu-01'").get() as { state: string | null };
      expect(node.state).not.toBe('offline');
    });

    it('refuses the same through mosquitto_sub, and the agent id even while the agent is away', async () => {
      const run = promisify(execFile);
      const sub = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port()), '-u', 'grafana', '-P', 'viewer-secret', '-i', 'kcloud-agent-lab-gpu-02', '-t', 'kcloud/v1/#', '-C', '1']);
      await expect(sub).rejects.toMatchObject({ stderr: expect.stringMatching(/identifier rejected/i) });
    });

    it("refuses another principal an id in use, and lets a principal take over its own session", async () => {
      const first = await connect('grafana', 'viewer-secret', { clientId: 'dashboard-7' });
      await expect(connectMqtt(th.url, { username: 'gpu-02', password: 'gpu-02-secret', clientId: 'dashboard-7' })).rejects.toMatchObject({ code: 2 });
      expect(first.connected).toBe(true);
      const firstClosed = new Promise<void>((r) => first.once('close', () => r()));
      const second = await connect('grafana', 'viewer-secret', { clientId: 'dashboard-7' });
      await firstClosed;
      expect(second.connected).toBe(true);
    });
  });

  describe('persistent sessions', () => {
    it("bounds an abandoned clean: false session's queue to its newest maxMessages and counts the dropped ones", async () => {
      const opts = { clientId: 'abandoned-1', clean: false };
      const viewer = await connect('grafana', 'viewer-secret', opts);
      await viewer.subscribeAsync('kcloud/v1/#', { qos: 1 });
      await viewer.endAsync();
      const dropped = await counterValue(th.hub.registry, 'mqtt_session_messages_dropped_total');
      const node = await connect('gpu-01', 'gpu-01-secret');
      const seqs = Array.from({ length: 20 }, (_, i) => T0 + 100 + i);
      for (const seq of seqs) await publishBatch(node, seq);
      await waitFor(async () => (await counterValue(th.hub.registry, 'mqtt_session_messages_dropped_total')) === dropped + 15, 10_000, '15 dropped messages');

      const received: number[] = [];
      const back = await connect('grafana', 'viewer-secret', opts);
      back.on('message', (_t, p) => received.push((JSON.parse(p.toString()) as { seq: number }).seq));
      await waitFor(() => received.length >= 5, 10_000, 'the queued messages');
      // A batch published after reconnecting: once it is here, the queue has been delivered.
      await publishBatch(node, T0 + 200);
      await waitFor(() => received.includes(T0 + 200), 10_000, 'the new batch');
      expect(received.filter((s) => s !== T0 + 200).sort()).toEqual(seqs.slice(-5));
    });

    it('refuses a principal more than maxPerPrincipal persistent sessions (CONNACK 5)', async () => {
      // abandoned-1 (above) is one of grafana's two.
      await connect('grafana', 'viewer-secret', { clientId: 'persistent-2', clean: false });
      const before = await refusedCount('session_limit');
      await expect(connectMqtt(th.url, { username: 'grafana', password: 'viewer-secret', clientId: 'persistent-3', clean: false })).rejects.toMatchObject({ code: 5 });
      expect(await refusedCount('session_limit')).toBe(before + 1);
      // A clean session is not limited.
      expect((await connect('grafana', 'viewer-secret', { clientId: 'clean-3', clean: true })).connected).toBe(true);
    });
  });

  describe('unauthenticated connections', () => {
    it('closes connections from an address beyond maxUnauthenticatedPerSource until one of its pending ones goes', async () => {
      const node = await connect('gpu-01', 'gpu-01-secret');
      const before = await refusedCount('unauthenticated_limit');
      const pending = [];
      for (let i = 0; i < MAX_PENDING; i++) pending.push(await rawSocket(port()));
      const extra = await rawSocket(port());
      await extra.closed;
      expect(pending.every((p) => !p.socket.destroyed)).toBe(true);
      await expect(connectMqtt(th.url, { username: 'grafana', password: 'viewer-secret' })).rejects.toThrow();
      expect(await refusedCount('unauthenticated_limit')).toBe(before + 2);
      // Authenticated connections do not count: the node's batches are still taken.
      await publishBatch(node, T0 + 300);
      expect(stored(T0 + 300)).toBe(true);

      pending[0]!.socket.destroy();
      await waitFor(
        () => connectMqtt(th.url, { username: 'grafana', password: 'viewer-secret' }).then((c) => (clients.push(c), true), () => false),
        10_000,
        'a place for a new connection',
      );
      for (const p of pending) p.socket.destroy();
    });
  });
});

describe('embedded broker session expiry and log flood (real hub)', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await startTestHub({ broker: { sessions: { expiry: '300ms' } } });
    const db = openHubDb(hubFiles(th.dataDir).db);
    await new UserStore(db).add('grafana', 'viewer', 'viewer-secret');
    db.close();
  });
  afterAll(async () => {
    await th?.hub.stop();
  });

  it('deletes a persistent session whose client stays away for broker.sessions.expiry', async () => {
    const opts = { username: 'grafana', password: 'viewer-secret', clientId: 'dash-expiring', clean: false };
    const first = await connectMqtt(th.url, opts);
    await first.subscribeAsync('kcloud/v1/#', { qos: 1 });
    await first.endAsync();
    await waitFor(async () => (await counterValue(th.hub.registry, 'mqtt_sessions_expired_total')) === 1, 10_000, 'the session to expire');
    const back = mqtt.connect(th.url, { ...opts, reconnectPeriod: 0 });
    const present = await new Promise<boolean>((resolve, reject) => back.once('connect', (ack) => resolve(ack.sessionPresent)).once('error', reject));
    back.end(true);
    expect(present).toBe(false);
  });

  it('logs at most 10 lines a minute for 40 refused CONNECTs and counts every one', async () => {
    const before = await counterValue(th.hub.registry, 'mqtt_refused_total', { action: 'connect' });
    const linesBefore = th.logs.lines().filter((l) => l.msg === 'mqtt connect refused: anonymous access is off').length;
    for (let i = 0; i < 40; i++) await expect(connectMqtt(th.url, { clientId: `flood-${i}` })).rejects.toMatchObject({ code: 4 });
    expect(await counterValue(th.hub.registry, 'mqtt_refused_total', { action: 'connect' })).toBe(before + 40);
    const logged = th.logs.lines().filter((l) => l.msg === 'mqtt connect refused: anonymous access is off').length - linesBefore;
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThanOrEqual(10);
  });
});
