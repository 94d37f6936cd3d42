/**
 * Hub ingest benchmark: the built hub (embedded broker, SQLite store) as a
 * child process, 50 simulated nodes publishing QoS 1 telemetry batches from
 * this process. A batch is 8 GPUs x the first 19 per-GPU metrics of the
 * catalogue (152 samples, ~25 KB), the size a real agent publishes each
 * second for an 8-GPU node (167-297 samples in bench/agent.ts's run, with
 * IPMI, RAPL and host samples) and issue 20's shape; BENCH_METRICS sets how
 * many metrics (8: the older 64-sample batches, where the per-message work
 * (MQTT, PUBACK, bookkeeping) weighs more per sample; the catalogue has 31
 * with the optional ones). BENCH_PAYLOAD=cbor sends the CBOR twin an agent
 * sends with `mqtt.payload: cbor` (JSON by default). Two phases:
 *   - paced at BENCH_INGEST_RATE samples/s (default 100 000): a warm-up of
 *     BENCH_WARMUP_SECONDS (default 10), printed but not counted, then
 *     BENCH_ROUNDS (default 3) rounds of BENCH_SECONDS (default 10): the
 *     hub's CPU as % of one core, each round and their median (sustained);
 *   - saturation: every node keeps BENCH_INFLIGHT batches in flight for
 *     BENCH_SECONDS: the highest acknowledged (= committed) samples/s.
 * A PUBACK from the hub means the batch is committed (docs/hub.md), so acked
 * samples/s is stored samples/s. Targets (issue 20): <= 3.0 µs of hub CPU
 * per sample (CPU-s per million) at 100 k samples/s; saturation >= 450 k
 * samples/s. At the end the bench reads the hub's /metrics and fails if it
 * refused or rejected anything, so every figure is about stored samples.
 *
 *   npm run build && npx tsx bench/ingest.ts   (BENCH_NODE_FLAGS="--cpu-prof" to profile the hub)
 */
import { GPU_METRICS } from '../shared/metrics/gpu.js';
import { encodeCbor } from '../shared/schema/cbor.js';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { startBuiltHub } from './built-hub.js';
import { sendPaced } from './pace.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS: "${process.env.BENCH_ROUNDS}" is not a whole number >= 1`);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const rate = Number(process.env.BENCH_INGEST_RATE ?? 100_000);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 4);
const encoding = process.env.BENCH_PAYLOAD ?? 'json';
if (encoding !== 'json' && encoding !== 'cbor') throw new Error(`BENCH_PAYLOAD: "${encoding}" is neither json nor cbor`);
const NODES = 50;
const METRICS = GPU_METRICS.filter((m) => m.labels.join() === 'gpu,uuid')
  .map((m) => m.name)
  .slice(0, Number(process.env.BENCH_METRICS ?? 19));
const PER_BATCH = 8 * METRICS.length;
/** Real UUIDs are GPU- plus 36 characters. */
const uuid = (n: number, g: number) => `GPU-${String(n).padStart(8, '0')}-0000-4000-8000-${String(g).padStart(12, '0')}`;

const hub = await startBuiltHub(new Map(Array.from({ length: NODES }, (_, n) => [`bench-${n}`, 'bench'])));
const clients = await Promise.all(Array.from({ length: NODES }, (_, n) => hub.connect(`bench-${n}`)));
const seqs = new Array<number>(NODES).fill(0);
/**
 * A node's batches are spaced by the interval the paced phase sends them at (~76 ms at 100 000 samples/s), so
 * sample times keep up with the clock as a real fleet's do. One second a batch, as before, ran 13 s ahead of the
 * clock every second: after ~25 s the hub refused every sample as beyond ingest.limits.clockTolerance (5 min),
 * and the later rounds measured refusals instead of stores. Saturation runs ahead of the clock by its speed-up
 * over the pace; starting a minute back leaves the tolerance for that.
 */
const tsStep = Math.max(1, Math.floor((1000 * NODES * PER_BATCH) / rate));
const ts0 = Date.now() - 60_000;

function message(n: number, seq: number) {
  const ts = ts0 + seq * tsStep;
  const samples = [];
  for (let g = 0; g < 8; g++) for (const metric of METRICS) samples.push({ metric, labels: { gpu: String(g), uuid: uuid(n, g) }, ts, value: seq + g });
  return { v: MESSAGE_VERSION, cluster: 'bench', node: `bench-${n}`, seq, ts, samples };
}
/**
 * A node's JSON batch as text cut where seq, ts and the values go, so the load generator joins strings instead of
 * building 152 objects and stringifying them per batch: that starved the saturation phase on this 2-core machine,
 * where the generator shares the cores with the hub. Checked below to be the bytes JSON.stringify writes.
 */
const jsonParts = Array.from({ length: NODES }, (_, n) => {
  const head = JSON.stringify({ v: MESSAGE_VERSION, cluster: 'bench', node: `bench-${n}` }).slice(0, -1);
  const samples = [];
  for (let g = 0; g < 8; g++) for (const metric of METRICS) samples.push({ g, prefix: `{"metric":${JSON.stringify(metric)},"labels":${JSON.stringify({ gpu: String(g), uuid: uuid(n, g) })},"ts":` });
  return { head, samples };
});
function jsonPayload(n: number, seq: number): Buffer {
  const ts = ts0 + seq * tsStep;
  const { head, samples } = jsonParts[n]!;
  let text = `${head},"seq":${seq},"ts":${ts},"samples":[`;
  for (let i = 0; i < samples.length; i++) text += `${i ? ',' : ''}${samples[i]!.prefix}${ts},"value":${seq + samples[i]!.g}}`;
  return Buffer.from(`${text}]}`);
}
const payload = (n: number, seq: number) => (encoding === 'cbor' ? encodeCbor(message(n, seq)) : jsonPayload(n, seq));
for (const [n, seq] of [[0, 1], [NODES - 1, 123_456]] as const) {
  if (encoding === 'json' && !jsonPayload(n, seq).equals(Buffer.from(JSON.stringify(message(n, seq))))) throw new Error('bench: the JSON template differs from JSON.stringify');
}
const publish = (n: number) => clients[n]!.publishAsync(`kcloud/v1/bench/bench-${n}/telemetry`, payload(n, ++seqs[n]!), { qos: 1 });

// Phase 1: paced. The warm-up creates the 7 600 series and lets V8 compile the ingest path and the heap, head
// and WAL grow: the hub's first 10 s cost 30-50 % more CPU than the next ones. The rounds after it show the
// spread of this VM, whose speed drifts by a third within minutes.
console.log(`${NODES} nodes, ${encoding.toUpperCase()} batches of ${PER_BATCH} samples (8 GPUs x ${METRICS.length} metrics, ${payload(0, 1).length} bytes)`);
const batchesPerSecond = rate / PER_BATCH;
let acked = 0;

async function pacedRound(label: string, seconds: number): Promise<{ cpuPercent: number; usPerSample: number }> {
  acked = 0;
  const cpu0 = hub.cpuSeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  await sendPaced(batchesPerSecond, seconds, 5, () => {
    const p = publish(sent++ % NODES).then(() => acked++);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  const cpuPercent = ((hub.cpuSeconds() - cpu0) / elapsed) * 100;
  // CPU time per sample holds up on a busy machine, where % of a core at a given rate does not (the rate itself slips).
  const usPerSample = ((cpuPercent / 100) * elapsed * 1e6) / (acked * PER_BATCH);
  const own = process.cpuUsage(own0);
  const loadCpu = ((own.user + own.system) / 1e6 / elapsed) * 100;
  console.log(
    `${label}: ${((acked * PER_BATCH) / elapsed).toFixed(0)} samples/s committed (target ${rate}), hub CPU ${cpuPercent.toFixed(1)} % of one core over ${elapsed.toFixed(1)} s = ${usPerSample.toFixed(2)} µs per sample; load generator ${loadCpu.toFixed(1)} % of one core (same 2-core machine)`,
  );
  return { cpuPercent, usPerSample };
}

await pacedRound('warm-up (not counted)', warmup);
const paced = [];
for (let r = 0; r < rounds; r++) paced.push(await pacedRound(`paced round ${r + 1}`, seconds));
// Ranked by CPU per sample, the figure that holds up when the shared machine slows the rate down.
const byCpu = [...paced].sort((a, b) => a.usPerSample - b.usPerSample);
const median = byCpu[Math.floor((rounds - 1) / 2)]!;
console.log(
  `paced, ${rounds} rounds: median ${median.usPerSample.toFixed(2)} µs of hub CPU per sample (${median.cpuPercent.toFixed(1)} % of one core) (min ${byCpu[0]!.usPerSample.toFixed(2)}, max ${byCpu.at(-1)!.usPerSample.toFixed(2)} µs); target <= 3.0 µs per sample (CPU-s per million) at 100 k samples/s`,
);

// Phase 2: saturation, `inflight` batches outstanding per node.
acked = 0;
const cpu0 = hub.cpuSeconds();
const t0 = performance.now();
const deadline = t0 + seconds * 1000;
await Promise.all(
  clients.map(async (_, n) => {
    const loop = async () => {
      while (performance.now() < deadline) {
        await publish(n);
        acked++;
      }
    };
    await Promise.all(Array.from({ length: inflight }, loop));
  }),
);
const elapsed = (performance.now() - t0) / 1000;
const satCpu = hub.cpuSeconds() - cpu0;
console.log(
  `saturation: ${((acked * PER_BATCH) / elapsed).toFixed(0)} samples/s committed, hub CPU ${((satCpu / elapsed) * 100).toFixed(1)} % of one core = ${((satCpu * 1e6) / (acked * PER_BATCH)).toFixed(2)} µs per sample (this machine: the publishers share its cores)`,
);

// What the hub counted: a figure is about stored samples only if it refused and rejected none.
const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`, { headers: { authorization: hub.authorization } })).text();
const total = (name: string) =>
  metrics
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
const [stored, refused, rejected] = [total('ingest_samples_total'), total('ingest_samples_refused_total'), total('ingest_rejected_total')];
console.log(`hub counted ${stored} samples stored, ${refused} refused, ${rejected} messages rejected`);
// Large groups keep many parsed batches alive through scavenges (docs/hub.md, "Group commit"): worth seeing beside the CPU.
console.log(`group commits: ${(total('ingest_messages_total') / total('ingest_commits_total')).toFixed(1)} messages per commit over the whole run (ingest.maxGroup caps it)`);

await Promise.all(clients.map((c) => c.endAsync()));
await hub.stop();
if (refused > 0 || rejected > 0 || stored === 0) throw new Error('the hub refused or rejected some of the load: the figures above do not measure stored samples');
