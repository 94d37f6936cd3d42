/**
 * Fleet benchmark (issue 19): BENCH_AGENTS (default 1 000) simulated agents,
 * each its own node credential and MQTT connection, publishing one QoS 1
 * batch every BENCH_PERIOD_S (default 10) s: 8 GPUs x every per-GPU metric of
 * the catalogue (152 samples), staggered evenly over the period, into one hub
 * (a child process, embedded broker; bench/built-hub.ts). After one warm-up
 * period (series created, not counted) it measures BENCH_SECONDS (default
 * 60) s and prints: samples/s committed (a PUBACK means committed),
 * publish-to-PUBACK p50/p99, hub CPU seconds per million samples, hub RSS.
 * Not simulated: agent reconnects; not measured: two ingest hubs plus remote
 * VictoriaMetrics (docs/scale-out.md).
 *
 *   BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts   (or the built hub after npm run build)
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { GPU_METRICS } from '../shared/metrics/gpu.js';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { startBuiltHub } from './built-hub.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_S ?? 10) * 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const METRICS = GPU_METRICS.filter((m) => m.labels.join() === 'gpu,uuid').map((m) => m.name);
const PER_BATCH = 8 * METRICS.length;
const uuid = (n: number, g: number) => `GPU-${String(n).padStart(8, '0')}-0000-4000-8000-${String(g).padStart(12, '0')}`;

const names = Array.from({ length: AGENTS }, (_, n) => `fleet-${n}`);
console.log(`registering ${AGENTS} nodes and starting the hub...`);
const hub = await startBuiltHub(new Map(names.map((n) => [n, 'fleet'])));
const clients: MqttClient[] = [];
// Fewer at a time than the hub lets one address hold unauthenticated (broker.limits.maxUnauthenticatedPerSource, 16).
for (let i = 0; i < AGENTS; i += 8) clients.push(...(await Promise.all(names.slice(i, i + 8).map((n) => hub.connect(n)))));
console.log(`${AGENTS} agents connected; batches of ${PER_BATCH} samples every ${PERIOD_MS / 1000} s`);

const seqs = new Array<number>(AGENTS).fill(0);
function payload(n: number): Buffer {
  const seq = ++seqs[n]!;
  const ts = Date.now();
  const samples = [];
  for (let g = 0; g < 8; g++) for (const metric of METRICS) samples.push({ metric, labels: { gpu: String(g), uuid: uuid(n, g) }, ts, value: seq + g * 0.5 });
  return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster: 'fleet', node: names[n], seq, ts, samples }));
}

const rssMiB = () => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${hub.child.pid}/status`, 'utf8'))![1]) / 1024;

/** Runs every agent on its own 10 s timer, offset so the fleet's batches spread over the period; resolves after `ms`. */
async function run(ms: number): Promise<{ latencies: number[]; acked: number; failed: number }> {
  const latencies: number[] = [];
  let acked = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  const publish = (n: number) => {
    const t0 = performance.now();
    const p = clients[n]!.publishAsync(`kcloud/v1/fleet/${names[n]}/telemetry`, payload(n), { qos: 1 }).then(
      () => {
        latencies.push(performance.now() - t0);
        acked++;
      },
      () => {
        failed++;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const starts = names.map((_, n) =>
    setTimeout(() => {
      publish(n);
      timers.push(setInterval(() => publish(n), PERIOD_MS));
    }, (n * PERIOD_MS) / AGENTS),
  );
  await new Promise((r) => setTimeout(r, ms));
  for (const t of [...starts, ...timers]) clearTimeout(t);
  await Promise.all(pending);
  return { latencies, acked, failed };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

await run(PERIOD_MS);
console.log(`warm-up done (series created); hub RSS ${rssMiB().toFixed(0)} MiB`);
const cpu0 = hub.cpuSeconds();
const t0 = performance.now();
const { latencies, acked, failed } = await run(SECONDS * 1000);
const elapsed = (performance.now() - t0) / 1000;
const cpu = hub.cpuSeconds() - cpu0;
const samples = acked * PER_BATCH;
latencies.sort((a, b) => a - b);
console.log(
  `${AGENTS} agents x ${PER_BATCH} samples / ${PERIOD_MS / 1000} s over ${elapsed.toFixed(1)} s: ${(samples / elapsed).toFixed(0)} samples/s committed (${acked} batches, ${failed} failed), ` +
    `PUBACK p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; ` +
    `hub CPU ${((cpu / elapsed) * 100).toFixed(1)} % of one core = ${((cpu * 1e6) / samples).toFixed(1)} CPU s per million samples; hub RSS ${rssMiB().toFixed(0)} MiB`,
);
await Promise.all(clients.map((c) => c.endAsync()));
await hub.stop();
