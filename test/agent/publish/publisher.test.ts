import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { execa } from 'execa';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../agent/outbox/outbox.js';
import { Publisher, type PublisherOptions } from '../../../agent/publish/publisher.js';
import { decodeMessage } from '../../../shared/schema/message.js';
import { memoryLogger } from '../../helpers/logger.js';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';

const origin = { cluster: 'lab', node: 'node-a' };
const TOPIC = 'kcloud/v1/lab/node-a';
const tmp = () => mkdtempSync(join(tmpdir(), 'kcloud-pub-'));
const newOutbox = () => Outbox.open(join(tmp(), 'outbox.db'), { maxBytes: 1e8, maxAgeMs: 86_400_000 });
const enqueue = (box: Outbox, n: number) => Array.from({ length: n }, () => box.enqueue(Date.now(), (seq) => Buffer.from(JSON.stringify({ seq }))));
const offline = () => Buffer.from(JSON.stringify({ v: 1, ...origin, ts: Date.now(), state: 'offline' }));

interface Received {
  topic: string;
  seq?: number;
  payload: string;
  at: number;
}

/** A QoS 1 subscriber to the node's topics whose session survives a broker restart (the broker persists it). */
async function subscribe(url: string, opts: mqtt.IClientOptions = {}) {
  const got: Received[] = [];
  const client = mqtt.connect(url, { clientId: `sub-${Math.random().toString(36).slice(2)}`, clean: false, reconnectPeriod: 200, ...opts });
  client.on('message', (topic, payload) => {
    const text = payload.toString();
    got.push({ topic, payload: text, at: Date.now(), seq: topic.endsWith('/telemetry') ? (JSON.parse(text) as { seq: number }).seq : undefined });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(`${TOPIC}/#`, { qos: 1 });
  return { client, got, seqs: () => got.filter((m) => m.seq !== undefined).map((m) => m.seq!) };
}

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function publisher(box: Outbox, opts: Partial<PublisherOptions> & { url: string }) {
  const logger = memoryLogger();
  const pub = new Publisher(box, { ...origin, replayRate: 1000, offlineStatus: offline, ...opts }, logger.log);
  cleanup.push(() => box.close(), () => pub.close());
  return { pub, logger };
}

async function broker(opts: Parameters<typeof startMosquitto>[0] = {}): Promise<Mosquitto> {
  const dir = tmp();
  const b = await startMosquitto({ ...opts, extraConfig: `persistence true\npersistence_location ${dir}/\n${opts.extraConfig ?? ''}` });
  cleanup.push(() => b.stop());
  return b;
}

describe('Publisher with a real mosquitto', () => {
  it('publishes batches in seq order with QoS 1 and deletes each only after its PUBACK', async () => {
    const b = await broker();
    const sub = await subscribe(b.url);
    cleanup.push(() => sub.client.endAsync());
    const box = newOutbox();
    const { pub } = publisher(box, { url: b.url });
    await waitFor(() => pub.state.connected, 10_000, 'connect');
    const first = enqueue(box, 5);
    pub.pump();
    await waitFor(() => sub.seqs().length === 5, 10_000, 'five batches');
    expect(sub.seqs()).toEqual(first);
    await waitFor(() => box.stats().depth === 0, 5000, 'acks');

    // Broker down: nothing acknowledges, so nothing leaves the outbox.
    await b.stop();
    await waitFor(() => !pub.state.connected, 5000, 'disconnect noticed');
    const during = enqueue(box, 3);
    pub.pump();
    await new Promise((r) => setTimeout(r, 1500));
    expect(box.stats().depth).toBe(3);
    expect(box.nextBatch(0, 10).map((r) => r.seq)).toEqual(during);

    await b.start();
    await waitFor(() => box.stats().depth === 0, 20_000, 'outbox drained after the broker came back');
    await waitFor(() => during.every((s) => sub.seqs().includes(s)), 10_000, 'batches from the outage');
    expect(pub.state).toMatchObject({ connected: true, lastError: null });
  }, 40_000);

  it('after an outage sends new batches first and drains the backlog oldest-first at the replay rate', async () => {
    const b = await broker();
    const sub = await subscribe(b.url);
    cleanup.push(() => sub.client.endAsync());
    const box = newOutbox();
    const { pub } = publisher(box, { url: b.url, replayRate: 5 });
    await waitFor(() => pub.state.connected, 10_000, 'connect');
    await b.stop();
    await waitFor(() => !pub.state.connected, 5000, 'disconnect noticed');
    const backlog = enqueue(box, 20);

    let live: number[] = [];
    // What the batcher commits in the first moment of the new connection.
    pub.onConnected(() => (live = enqueue(box, 2)));
    await b.start();
    await waitFor(() => live.length === 2 && sub.seqs().length >= 4, 20_000, 'first batches after reconnect');
    // Live data keeps flowing while the backlog drains.
    const mid = enqueue(box, 1);
    pub.pump();
    await waitFor(() => backlog.every((s) => sub.seqs().includes(s)) && sub.seqs().includes(mid[0]!), 20_000, 'backlog drained');

    const order = sub.seqs();
    expect(order.slice(0, 2)).toEqual(live);
    const backlogOrder = order.filter((s) => backlog.includes(s));
    expect(backlogOrder).toEqual(backlog);
    // The mid-drain batch overtook the backlog's tail.
    expect(order.indexOf(mid[0]!)).toBeLessThan(order.indexOf(backlog.at(-1)!));
    // 20 batches at 5/s with a burst of 5: the last leaves 3 s after the first (less a little for the subscriber's reconnect).
    const at = (s: number) => sub.got.find((m) => m.seq === s)!.at;
    expect(at(backlog.at(-1)!) - at(backlog[0]!)).toBeGreaterThanOrEqual(2000);
    await waitFor(() => box.stats().depth === 0, 5000, 'acks');
  }, 40_000);

  it('keeps retained status and inventory for later subscribers, and publishes offline on close', async () => {
    const b = await broker();
    const box = newOutbox();
    const { pub } = publisher(box, { url: b.url });
    await waitFor(() => pub.state.connected, 10_000, 'connect');
    const inv = Buffer.from(JSON.stringify({ v: 1, ...origin, ts: Date.now(), inventory: { host: { hostname: 'node-a' } } }));
    expect(await pub.publishRetained('inventory', inv)).toBe(true);
    await pub.close(offline());

    const late = await subscribe(b.url, { clean: true });
    cleanup.push(() => late.client.endAsync());
    await waitFor(() => late.got.length >= 2, 5000, 'retained messages');
    const byKind = Object.fromEntries(late.got.map((m) => [m.topic.split('/').at(-1), m.payload]));
    expect(decodeMessage('inventory', byKind.inventory!)).toMatchObject({ ok: true, value: { inventory: { host: { hostname: 'node-a' } } } });
    expect(decodeMessage('status', byKind.status!)).toMatchObject({ ok: true, value: { state: 'offline', node: 'node-a' } });
  }, 20_000);

  it('logs in with the password from mqtt.passwordFile and never logs the password', async () => {
    const dir = tmp();
    const passwd = join(dir, 'passwd');
    await execa('mosquitto_passwd', ['-c', '-b', passwd, 'node-a', 'pw-from-file-7Q']);
    await execa('mosquitto_passwd', ['-b', passwd, 'viewer', 'viewer-pw']);
    const b = await broker({ allowAnonymous: false, extraConfig: `password_file ${passwd}` });
    const sub = await subscribe(b.url, { username: 'viewer', password: 'viewer-pw' });
    cleanup.push(() => sub.client.endAsync());

    const good = join(dir, 'good');
    writeFileSync(good, 'pw-from-file-7Q\n', { mode: 0o600 });
    const box = newOutbox();
    const { pub } = publisher(box, { url: b.url, username: 'node-a', passwordFile: good });
    await waitFor(() => pub.state.connected, 10_000, 'authenticated connect');
    const seqs = enqueue(box, 2);
    pub.pump();
    await waitFor(() => sub.seqs().length === 2, 10_000, 'batches from the authenticated agent');
    expect(sub.seqs()).toEqual(seqs);

    const bad = join(dir, 'bad');
    writeFileSync(bad, 'wrong-secret-9Z\n', { mode: 0o600 });
    const { pub: refused, logger } = publisher(newOutbox(), { url: b.url, username: 'node-a', passwordFile: bad, node: 'node-b' });
    await waitFor(() => refused.state.lastError !== null, 10_000, 'refused connect');
    expect(refused.state.connected).toBe(false);
    expect(refused.state.lastError).toMatch(/not authorized|bad user ?name or password/i);
    expect(logger.text()).not.toContain('wrong-secret-9Z');
    expect(logger.text()).toContain('mqtt error');
  }, 30_000);

  it('connects over TLS (mqtts://) verifying the broker against mqtt.ca', async () => {
    const dir = tmp();
    const f = (n: string) => join(dir, n);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await execa('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=kcloud test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await execa('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
    writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    await execa('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '1', '-extfile', f('ext.cnf')]);
    const b = await broker({ scheme: 'mqtts', extraConfig: `cafile ${f('ca.pem')}\ncertfile ${f('server.pem')}\nkeyfile ${f('server.key')}` });
    const sub = await subscribe(b.url, { ca: readFileSync(f('ca.pem')) });
    cleanup.push(() => sub.client.endAsync());

    const box = newOutbox();
    const { pub } = publisher(box, { url: b.url, ca: f('ca.pem') });
    await waitFor(() => pub.state.connected, 10_000, 'TLS connect');
    const seqs = enqueue(box, 1);
    pub.pump();
    await waitFor(() => sub.seqs().length === 1, 10_000, 'a batch over TLS');
    expect(sub.seqs()).toEqual(seqs);

    // Without the CA the broker's certificate is not trusted.
    const { pub: untrusting } = publisher(newOutbox(), { url: b.url, node: 'node-b' });
    await waitFor(() => untrusting.state.lastError !== null, 10_000, 'TLS failure');
    expect(untrusting.state.lastError).toMatch(/certificate/i);
    expect(untrusting.state.connected).toBe(false);
  }, 30_000);

  it('holds at most `window` batches in flight and deletes each only when its PUBACK comes (aedes holding the PUBACKs)', async () => {
    // aedes sends a QoS 1 PUBACK only after authorizePublish calls back: holding the callbacks holds the PUBACKs.
    const held: { seq: number; release: () => void }[] = [];
    const aedes = await Aedes.createBroker({
      authorizePublish(_client, packet, done) {
        if (!packet.topic.endsWith('/telemetry')) return done(null);
        held.push({ seq: (JSON.parse(packet.payload.toString()) as { seq: number }).seq, release: () => done(null) });
      },
    });
    const server = createServer(aedes.handle);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    cleanup.push(
      () => new Promise<void>((r) => server.close(() => r())),
      () => new Promise<void>((r) => aedes.close(() => r())),
      // A failed assertion must not leave aedes waiting on held publishes.
      () => held.forEach((h) => h.release()),
    );

    const box = newOutbox();
    const { pub } = publisher(box, { url: `mqtt://127.0.0.1:${port}`, window: 4 });
    await waitFor(() => pub.state.connected, 10_000, 'connect');
    const seqs = enqueue(box, 10);
    pub.pump();
    await waitFor(() => held.length === 4, 5000, 'four publishes awaiting PUBACK');
    await new Promise((r) => setTimeout(r, 300));
    expect(held.map((h) => h.seq)).toEqual(seqs.slice(0, 4));
    expect(box.stats().depth).toBe(10);

    // Two PUBACKs: exactly those two rows go; the other two stay until theirs come.
    held[1]!.release();
    held[0]!.release();
    await waitFor(() => box.stats().depth === 8, 5000, 'two rows deleted');
    expect(box.nextBatch(0, 100).map((r) => r.seq)).toEqual(seqs.slice(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(box.stats().depth).toBe(8);

    // (aedes reads the next packets once a whole read batch is handled.)
    for (let i = 2; i < 10; i++) {
      await waitFor(() => held.length > i, 5000, `publish of batch ${i}`);
      held[i]!.release();
    }
    await waitFor(() => box.stats().depth === 0, 5000, 'every batch acknowledged');
    expect(held.map((h) => h.seq)).toEqual(seqs);
  }, 20_000);
});
