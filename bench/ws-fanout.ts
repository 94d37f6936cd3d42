/**
 * WebSocket fan-out benchmark (issue 5): latency from an MQTT publish to the
 * WebSocket frame that reflects it, in the live mode of
 * WS /api/v1/monitoring/stream/power?interval=0 (docs/api-streams.md).
 *
 * The built hub runs as a child process (default config: 5 ms group commit).
 * This process plays BENCH_NODES agents publishing QoS 1 telemetry (GPU and
 * BMC power, sample time = publish time, strictly increasing across the
 * batches) at R batches/s in total, and C WebSocket clients (Basic auth as
 * admin). Each frame carries `latest_sample_timestamp`, the newest sample
 * behind it: a client counts every batch up to that time as delivered and
 * its latency as receive time minus publish time (both on this process's
 * monotonic clock). A batch of one node overtaken by a later batch of
 * another node would be counted at the later one's frame: that ordering is
 * rare at these rates and would make the figure lower, not higher.
 *
 * Phases: BENCH_PHASES="CxR,..." (default "10x100,500x100": ~1 000 and
 * ~50 000 frames/s, target p99 <= 10 ms), BENCH_SECONDS per phase (default 10).
 * Batches stored in one turn make one frame (docs/api-streams.md), so frames/s
 * can fall below C x R; "deliveries" counts batches x clients. The hub's
 * group-commit window (ingest.groupCommit, 5 ms by default) is part of the
 * latency; BENCH_GROUP_COMMIT (e.g. 0ms) sets it to see the rest alone.
 * The load generator shares this machine's cores with the hub: its CPU is
 * printed next to the hub's.
 *
 *   npm run build && npx tsx bench/ws-fanout.ts   (BENCH_NODE_FLAGS="--cpu-prof" to profile the hub)
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { startBuiltHub } from './built-hub.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
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
  ws: WebSocket;
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

function openClient(): Promise<Client> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/api/v1/monitoring/stream/power?interval=0`, { headers: { authorization } });
    const client: Client = { ws, next: sentTs.length, frames: 0 };
    ws.on('message', (data) => {
      const at = performance.now();
      const wall = Date.now();
      if (!counting) return;
      const frame = JSON.parse(String(data)) as { timestamp: string; latest_sample_timestamp: string | null };
      client.frames++;
      if (frame.latest_sample_timestamp === null) return;
      const newest = Date.parse(frame.latest_sample_timestamp);
      const computed = Date.parse(frame.timestamp);
      while (client.next < sentTs.length && sentTs[client.next]! <= newest) {
        latencies.push(at - sentAt[client.next]!);
        toSnapshot.push(computed - sentTs[client.next]!);
        toClient.push(wall - computed);
        client.next++;
      }
    });
    ws.once('open', () => resolvePromise(client));
    ws.once('error', reject);
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

console.log(`hub ingest.groupCommit: ${groupCommit ?? '5ms (default)'}`);
console.log(`machine: ${cpus().length} cores shared by the hub and this load generator (${NODES} MQTT publishers and every WebSocket client run in this one process)`);
let k = 0;
for (const { clients: count, rate } of phases) {
  const clients: Client[] = [];
  // In groups, so the upgrade requests do not all queue at once.
  while (clients.length < count) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, count - clients.length) }, openClient))));
  await sleep(500);

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
  let sent = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      publish(k++);
      sent++;
    }
    await sleep(1);
  }
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
  for (const c of clients) c.ws.close();
  await sleep(500);
}

await Promise.all(nodes.map((c) => c.endAsync()));
await hub.stop();
