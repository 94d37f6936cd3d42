/**
 * WebSocket fan-out benchmark (issue 5): latency from an MQTT publish to the
 * WebSocket frame that reflects it, in the live mode of
 * WS /api/v1/monitoring/stream/power?interval=0 (docs/api-streams.md).
 *
 * The built hub runs as a child process (default config: a group commit per event-loop turn).
 * This process plays BENCH_NODES agents publishing QoS 1 telemetry (GPU and
 * BMC power, sample time = publish time, strictly increasing across the
 * batches) at R batches/s in total, and C WebSocket clients (Basic auth as
 * admin; minimal clients, see openClient). Each frame carries
 * `latest_sample_timestamp`, the newest sample behind it: a client counts
 * every batch up to that time as delivered and its latency as receive time
 * (when the read that completes the frame reaches JavaScript) minus publish
 * time, both on this process's monotonic clock. A batch of one node
 * overtaken by a later batch of another node would be counted at the later
 * one's frame: that ordering is rare at these rates and would make the
 * figure lower, not higher.
 *
 * Phases: BENCH_PHASES="CxR,..." (default "10x100,500x100": ~1 000 and
 * ~50 000 frames/s, target p99 <= 10 ms), each measured for BENCH_SECONDS
 * (default 10) after BENCH_WARMUP_SECONDS (default 2) of the same load that
 * is not counted.
 * Batches stored in one turn make one frame (docs/api-streams.md), so frames/s
 * can fall below C x R; "deliveries" counts batches x clients. A hub
 * group-commit window (ingest.groupCommit, 0 by default: one turn) is part
 * of the latency; BENCH_GROUP_COMMIT (e.g. 5ms) sets one.
 * The load generator shares this machine's cores with the hub: its CPU is
 * printed next to the hub's. Over loopback, most of each of the hub's socket
 * writes is the kernel's TCP receive path for the client, run inside the
 * hub's write call; with remote clients their own machines do that part.
 *
 *   npm run build && npx tsx bench/ws-fanout.ts   (BENCH_NODE_FLAGS="--cpu-prof" to profile the hub)
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { startBuiltHub } from './built-hub.js';
import { sendPaced } from './pace.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const NODES = Number(process.env.BENCH_NODES ?? 10);
const phases = (process.env.BENCH_PHASES ?? '10x100,500x100').split(',').map((p) => {
  const [clients, rate] = p.split('x').map(Number);
  if (!clients || !rate) throw new Error(`BENCH_PHASES: "${p}" is not CLIENTSxBATCHES_PER_S`);
  return { clients, rate };
});
const groupCommit = process.env.BENCH_GROUP_COMMIT;


const hub = await startBuiltHub(new Map(Array.from({ length: NODES }, (_, n) => [`node-${n}`, 'bench'])), groupCommit ? `ingest: { groupCommit: ${groupCommit} }\n` : '');
const { httpPort } = hub;

const nodes = await Promise.all(Array.from({ length: NODES }, (_, n) => hub.connect(`node-${n}`)));
const seqs = new Array<number>(NODES).fill(0);
await Promise.all(
  nodes.map((c, n) => c.publishAsync(`kcloud/v1/bench/node-${n}/status`, JSON.stringify({ v: MESSAGE_VERSION, cluster: 'bench', node: `node-${n}`, ts: Date.now(), state: 'online', sources: {} }), { qos: 1, retain: true })),
);

/** Every batch published so far: its sample time (ms, strictly increasing) and when it left (performance.now()). */
const sentTs: number[] = [];
const sentAt: number[] = [];
let lastTs = 0;
let acked = 0;

function publish(k: number): void {
  const n = k % NODES;
  const ts = (lastTs = Math.max(Date.now(), lastTs + 1));
  const labels = { gpu: '0', uuid: `GPU-${n}-0` };
  const samples = [
    { metric: 'gpu_power_watts', labels, value: 300 + (k % 400) },
    { metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 1200 + (k % 400) },
  ];
  const payload = JSON.stringify({ v: MESSAGE_VERSION, cluster: 'bench', node: `node-${n}`, seq: ++seqs[n]!, ts, samples });
  sentTs.push(ts);
  sentAt.push(performance.now());
  void nodes[n]!.publishAsync(`kcloud/v1/bench/node-${n}/telemetry`, payload, { qos: 1 }).then(() => acked++);
}

interface Client {
  socket: Socket;
  /** Index into sentTs of the first batch this client has not yet seen reflected. */
  next: number;
  frames: number;
}

const { authorization } = hub;
let latencies: number[] = [];
/** The same deliveries split at the snapshot's `timestamp` (wall clock, ms resolution): publish -> computed, computed -> received. */
let toSnapshot: number[] = [];
let toClient: number[] = [];
let counting = false;

const TIMESTAMP = Buffer.from('"timestamp":"');
const LATEST = Buffer.from('"latest_sample_timestamp":"');

/** The ISO time that follows `key` in a frame's JSON (the fields are ASCII); NaN when absent or null. */
function isoAfter(payload: Buffer, key: Buffer, from: number): number {
  const at = from < 0 ? payload.lastIndexOf(key) : payload.indexOf(key, from);
  if (at < 0) return NaN;
  const start = at + key.length;
  return Date.parse(payload.toString('latin1', start, payload.indexOf(0x22, start)));
}

function onFrame(client: Client, payload: Buffer, at: number, wall: number): void {
  if (!counting) return;
  client.frames++;
  const newest = isoAfter(payload, LATEST, -1);
  if (Number.isNaN(newest)) return;
  const computed = isoAfter(payload, TIMESTAMP, 0);
  while (client.next < sentTs.length && sentTs[client.next]! <= newest) {
    latencies.push(at - sentAt[client.next]!);
    toSnapshot.push(computed - sentTs[client.next]!);
    toClient.push(wall - computed);
    client.next++;
  }
}

/**
 * A WebSocket client cut down to what the measurement needs: the opening
 * handshake (RFC 6455 §4.1, Basic auth as admin), then the server's frames
 * read by §5.2, each required to be one whole unmasked text frame, and only
 * the two timestamps read out of its JSON. All C clients share this process
 * and its cores with the hub, so their per-message cost delays both the
 * hub and the receipt times of the clients served after them (`ws` clients
 * with JSON.parse used about 60 % of a core at 500 clients, these about
 * 50 %). A frame counts as received when the read that completes it reaches
 * JavaScript.
 */
function openClient(): Promise<Client> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(httpPort, '127.0.0.1');
    socket.setNoDelay(true);
    const client: Client = { socket, next: sentTs.length, frames: 0 };
    let pending: Buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      const at = performance.now();
      const wall = Date.now();
      let buf: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return void (pending = buf);
        if (!buf.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${buf.toString('latin1', 0, end)}`));
        upgraded = true;
        resolvePromise(client);
        buf = buf.subarray(end + 4);
      }
      while (buf.length >= 2) {
        if (buf[0] !== 0x81 || (buf[1]! & 0x80) !== 0) throw new Error(`not a whole unmasked text frame: ${buf.subarray(0, 2).toString('hex')}`);
        const short = buf[1]!;
        const offset = short === 126 ? 4 : short === 127 ? 10 : 2;
        if (buf.length < offset) break;
        const length = short === 126 ? buf.readUInt16BE(2) : short === 127 ? Number(buf.readBigUInt64BE(2)) : short;
        if (buf.length < offset + length) break;
        onFrame(client, buf.subarray(offset, offset + length), at, wall);
        buf = buf.subarray(offset + length);
      }
      pending = buf;
    });
    socket.once('error', reject);
    socket.write(
      [
        'GET /api/v1/monitoring/stream/power?interval=0 HTTP/1.1',
        `Host: 127.0.0.1:${httpPort}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        `Authorization: ${authorization}`,
        '\r\n',
      ].join('\r\n'),
    );
  });
}

async function droppedTotal(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers: { authorization } });
  const m = /^kcloud_hub_stream_frames_dropped_total (\d+)/m.exec(await res.text());
  return Number(m?.[1] ?? 0);
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

// The HTTP server is up once /metrics answers.
for (let tries = 0; ; tries++) {
  try {
    await droppedTotal();
    break;
  } catch (err) {
    if (tries > 100) throw err;
    await sleep(100);
  }
}

console.log(`hub ingest.groupCommit: ${groupCommit ?? '0ms (default)'}`);
console.log(`machine: ${cpus().length} cores shared by the hub and this load generator (${NODES} MQTT publishers and every WebSocket client run in this one process)`);
let k = 0;
/** Publishes `rate` batches/s for `secs` seconds; returns how many. */
const publishFor = (secs: number, rate: number) => sendPaced(rate, secs, 1, () => publish(k++));

for (const { clients: count, rate } of phases) {
  const clients: Client[] = [];
  // In groups, so the upgrade requests do not all queue at once.
  while (clients.length < count) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, count - clients.length) }, openClient))));
  await sleep(500);
  // Unmeasured, so that the figures are those of the steady state (code paths compiled for C clients, TCP windows grown).
  await publishFor(warmup, rate);

  latencies = [];
  toSnapshot = [];
  toClient = [];
  acked = 0;
  const dropped0 = await droppedTotal();
  const firstBatch = sentTs.length;
  for (const c of clients) c.next = firstBatch;
  const hubCpu0 = hub.cpuSeconds();
  const ownCpu0 = process.cpuUsage();
  counting = true;
  const t0 = performance.now();
  const sent = await publishFor(seconds, rate);
  const elapsed = (performance.now() - t0) / 1000;
  const hubCpu = ((hub.cpuSeconds() - hubCpu0) / elapsed) * 100;
  const own = process.cpuUsage(ownCpu0);
  const ownCpu = ((own.user + own.system) / 1e6 / elapsed) * 100;
  const frames = clients.reduce((s, c) => s + c.frames, 0);
  // Late frames of the last batches still count toward the latencies; then the ones never seen.
  await sleep(1000);
  counting = false;
  const lastBatch = sentTs.length;
  const missed = clients.reduce((s, c) => s + (lastBatch - c.next), 0);
  const dropped = (await droppedTotal()) - dropped0;

  const sorted = Float64Array.from(latencies).sort();
  const fmt = (v: number) => v.toFixed(2);
  const split = (values: number[]) => {
    const s = Float64Array.from(values).sort();
    return `p50 ${percentile(s, 50)} ms, p99 ${percentile(s, 99)} ms`;
  };
  console.log(
    [
      `phase ${count} clients x ${rate} batches/s from ${NODES} nodes, ${elapsed.toFixed(1)} s:`,
      `  published ${sent} batches (${(sent / elapsed).toFixed(0)}/s), ${acked} acked; frames received ${frames} (${(frames / elapsed).toFixed(0)} frames/s, target ${count * rate}/s)`,
      `  batch deliveries ${sorted.length} (${(sorted.length / elapsed).toFixed(0)}/s; batches stored in one turn share a frame)`,
      `  publish->frame latency over ${sorted.length} batch deliveries (${count} clients x ${lastBatch - firstBatch} batches): p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted.at(-1) ?? NaN)} ms (target p99 <= 10 ms)`,
      `  split at the snapshot's timestamp (ms resolution): publish->snapshot computed ${split(toSnapshot)} (ingest, group commit, one turn); computed->received ${split(toClient)} (fan-out and the client)`,
      `  frames dropped by the hub (slow clients) ${dropped}; batch deliveries never seen ${missed}`,
      `  CPU: hub ${hubCpu.toFixed(0)} % of one core, load generator ${ownCpu.toFixed(0)} % of one core (same ${cpus().length}-core machine)`,
    ].join('\n'),
  );
  for (const c of clients) c.socket.destroy();
  await sleep(500);
}

await Promise.all(nodes.map((c) => c.endAsync()));
await hub.stop();
