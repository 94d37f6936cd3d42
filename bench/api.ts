/**
 * HTTP API benchmark (issues 5 and 20): the built hub as a child process with
 * 50 nodes x 8 GPUs of data (a day at 1-minute resolution, published through
 * the embedded broker like agents do), and a Fastify hello world in another
 * child process, both loaded by wrk (BENCH_LOADGEN=autocannon for autocannon) with the same connections and
 * duration in the same run:
 *   GET / of the hello world   (the machine's ceiling for a Fastify route)
 *   /health and /api/v1/accelerators/npus   (the hub's own ceilings: its request pipeline on a public route, and with
 *     Basic auth and the monitoring area's hooks on a 287-byte answer; ratios printed)
 *   /api/v1/accelerators/gpus?include_metrics=true   (target >= 0.5 of hello world, p99 <= 20 ms; ratio printed)
 *   /api/v1/monitoring/timeseries/power?period=1d&step=5m   (reported)
 *   /api/v1/monitoring/timeseries/power, the last 2 h at 1 m   (also one request at a time: target p50 <= 40 ms with BENCH_CACHE_TTL=0s)
 * Basic auth as admin on every hub request, as the seed's curl examples do.
 * While they are loaded every node publishes its GPUs' readings once a
 * second, as agents do, so the GPU list shows current readings (not nulls
 * for readings older than api.staleAfter) and changes every second. Each
 * line also gives the server's CPU time per request (its process's user +
 * system time over the requests it answered): it moves less than req/s
 * with what else the machine runs, not nothing (the hello world's 20-40 µs
 * at load averages 7-10 on the 2-core VM). The hub's includes ingesting the
 * agents' samples (~2 400 a second).
 *
 *   npm run build && npx tsx bench/api.ts   (BENCH_SECONDS per endpoint, default 10; BENCH_CONNECTIONS, default 50;
 *   BENCH_LOADGEN, wrk (Debian's wrk package) or autocannon;
 *   BENCH_CACHE_TTL, default 1s as shipped, 0s to compute every answer; BENCH_ACCEPT_ENCODING, default gzip;
 *   BENCH_NODE_FLAGS="--cpu-prof" to profile the hub; BENCH_HUB_SOURCE=1 runs the working tree through tsx, no build;
 *   BENCH_MINUTES of data, default 1440)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { MESSAGE_VERSION, type Sample } from '../shared/schema/message.js';
import { startBuiltHub } from './built-hub.js';
import { httpLoad, type LoadGenerator } from './http-load.js';
import { processCpuSeconds } from './proc-stat.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** The hub's api.cacheTtl: 1s as shipped; 0s measures every request computed afresh. */
const cacheTtl = process.env.BENCH_CACHE_TTL ?? '1s';
/** What the clients send as Accept-Encoding: browsers and Grafana send gzip; BENCH_ACCEPT_ENCODING=identity for clients that do not. */
const acceptEncoding = process.env.BENCH_ACCEPT_ENCODING ?? 'gzip';
/** wrk (one thread) by default: autocannon's JavaScript parser cost as much per 4.8 KB answer as the hub (bench/http-load.ts). */
const generator = (process.env.BENCH_LOADGEN ?? 'wrk') as LoadGenerator;
if (generator !== 'wrk' && generator !== 'autocannon') throw new Error(`BENCH_LOADGEN: wrk or autocannon, not "${generator}"`);
const NODES = 50;
const GPUS = 8;
/** Minutes of data per GPU, ending now: BENCH_MINUTES, default a day (fewer load faster on a busy machine; 120 still fills the 2 h series). */
const MINUTES = Number(process.env.BENCH_MINUTES ?? 24 * 60);
const PER_MESSAGE_MINUTES = 10;

const hub = await startBuiltHub(new Map(Array.from({ length: NODES }, (_, n) => [`node-${n}`, n < 25 ? 'prod' : 'dev'])), `api: { cacheTtl: ${cacheTtl} }\n`);

const gpuInventory = (n: number, g: number) => ({
  index: g,
  uuid: `GPU-${String(n).padStart(4, '0')}-${g}`,
  name: 'NVIDIA H100 80GB HBM3',
  serial: null,
  driverVersion: '550.54.15',
  cudaVersion: '12.4',
  vbios: '96.00.74.00.0F',
  pciBusId: `00000000:${(0x18 + g).toString(16)}:00.0`,
  memoryTotalBytes: 85_520_809_984,
  powerLimits: { enforcedWatts: 700, defaultWatts: 700, minWatts: 200, maxWatts: 700 },
  migMode: 'Disabled',
  migDevices: [],
  processes: [],
});

function minuteSamples(n: number, ts: number, minute: number): Sample[] {
  const out: Sample[] = [];
  for (let g = 0; g < GPUS; g++) {
    const labels = { gpu: String(g), uuid: `GPU-${String(n).padStart(4, '0')}-${g}` };
    const watts = 300 + ((n * 7 + g * 13 + minute) % 300);
    out.push(
      { metric: 'gpu_power_watts', labels, ts, value: watts },
      { metric: 'gpu_utilization_percent', labels, ts, value: (minute + g) % 100 },
      { metric: 'gpu_temperature_celsius', labels, ts, value: 40 + (g % 20) },
      { metric: 'gpu_memory_used_bytes', labels, ts, value: 1e10 + g },
      { metric: 'gpu_memory_total_bytes', labels, ts, value: 85_520_809_984 },
      { metric: 'gpu_energy_joules', labels, ts, value: minute * 60 * 450 },
    );
  }
  out.push(
    { metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0', domain: 'package' }, ts, value: 180 },
    { metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:1', domain: 'package' }, ts, value: 175 },
    { metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0:0', domain: 'dram' }, ts, value: 40 },
    { metric: 'node_power_watts', labels: { source: 'dcmi' }, ts, value: 4500 },
  );
  return out;
}

const clients = await Promise.all(Array.from({ length: NODES }, (_, n) => hub.connect(`node-${n}`)));
const now = Math.floor(Date.now() / 60_000) * 60_000;
const t0 = performance.now();
let samples = 0;
await Promise.all(
  clients.map(async (client, n) => {
    const cluster = n < 25 ? 'prod' : 'dev';
    const base = `kcloud/v1/${cluster}/node-${n}`;
    const header = { v: MESSAGE_VERSION, cluster, node: `node-${n}` };
    await client.publishAsync(`${base}/status`, JSON.stringify({ ...header, ts: now, state: 'online', sources: {} }), { qos: 1, retain: true });
    const inventory = { host: { hostname: `node-${n}`, cores: 96, threads: 192, sockets: 2, memoryBytes: 2 * 1024 ** 4, os: 'Ubuntu 22.04.4 LTS', kernel: '5.15.0', arch: 'x64' }, gpus: Array.from({ length: GPUS }, (_, g) => gpuInventory(n, g)) };
    await client.publishAsync(`${base}/inventory`, JSON.stringify({ ...header, ts: now, inventory }), { qos: 1, retain: true });
    for (let m = 0, seq = 1; m < MINUTES; m += PER_MESSAGE_MINUTES, seq++) {
      const batch: Sample[] = [];
      for (let k = m; k < m + PER_MESSAGE_MINUTES; k++) batch.push(...minuteSamples(n, now - (MINUTES - 1 - k) * 60_000, k));
      samples += batch.length;
      await client.publishAsync(`${base}/telemetry`, JSON.stringify({ ...header, seq, ts: now, samples: batch }), { qos: 1 });
    }
  }),
);
// Agents publish every second: the newest readings stay fresh (api.staleAfter) while the endpoints are loaded.
let liveSeq = 1_000_000;
const live = setInterval(() => {
  const ts = Date.now();
  clients.forEach((client, n) => {
    const cluster = n < 25 ? 'prod' : 'dev';
    const message = { v: MESSAGE_VERSION, cluster, node: `node-${n}`, seq: ++liveSeq, ts, samples: minuteSamples(n, ts, MINUTES) };
    void client.publishAsync(`kcloud/v1/${cluster}/node-${n}/telemetry`, JSON.stringify(message), { qos: 1 });
  });
}, 1000);
console.log(`api.cacheTtl ${cacheTtl}, Accept-Encoding: ${acceptEncoding}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`loaded ${samples} samples (${NODES} nodes x ${GPUS} GPUs, ${MINUTES} minutes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

/** A Fastify hello world in its own process, as the hub is in its own: GET / answers {"hello":"world"}. */
async function startHelloWorld(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const code = `import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(address);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  // Waited for: a child reaped during the next load would count as the load generator's CPU (bench/http-load.ts).
  return {
    url: `${line.toString().trim()}/`,
    pid: child.pid!,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

/** Loads `url` and returns the load's result with the server's CPU microseconds per answered request. */
async function loadMeasured(url: string, headers: Record<string, string>, pid: number) {
  const cpu0 = processCpuSeconds(pid);
  const result = await httpLoad(url, { generator, connections, seconds, headers: { ...headers, 'accept-encoding': acceptEncoding } });
  const cpuPerRequest = ((processCpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, result.total);
  return {
    result,
    line: `latency p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, server CPU ${cpuPerRequest.toFixed(0)} µs/request, client (${generator}) CPU ${result.clientMicrosPerRequest.toFixed(0)} µs/request, ${result.non2xx} non-2xx, ${result.errors} errors`,
  };
}

const hello = await startHelloWorld();
const { result: helloResult, line: helloLine } = await loadMeasured(hello.url, {}, hello.pid);
await hello.stop();
console.log(`Fastify hello world: ${helloResult.requestsPerSecond.toFixed(0)} req/s, ${helloLine}`);

const { authorization } = hub;
const GPUS_PATH = '/api/v1/accelerators/gpus?include_metrics=true';
// 2 h is no `period` of the seed's: the last two whole hours by start_time/end_time.
const POWER_2H = `/api/v1/monitoring/timeseries/power?${new URLSearchParams({ start_time: new Date(now - 2 * 3600_000).toISOString(), end_time: new Date(now).toISOString(), step: '1m' })}`;
/** Paths whose req/s is printed as a ratio to the hello world's: the hub's ceilings, then the target. */
const RATIOS = new Set(['/health', '/api/v1/accelerators/npus', GPUS_PATH]);
for (const path of ['/health', '/api/v1/accelerators/npus', GPUS_PATH, '/api/v1/monitoring/timeseries/power?period=1d&step=5m', POWER_2H]) {
  const url = `http://127.0.0.1:${hub.httpPort}${path}`;
  const probe = await fetch(url, { headers: { authorization } });
  const body = await probe.text();
  if (!probe.ok) throw new Error(`${path}: ${probe.status} ${body}`);
  const { result, line } = await loadMeasured(url, { authorization }, hub.child.pid!);
  const ratio = RATIOS.has(path) ? `, ${(result.requestsPerSecond / helloResult.requestsPerSecond).toFixed(3)} of hello world` : '';
  console.log(`${path}: ${result.requestsPerSecond.toFixed(0)} req/s${ratio}, ${line}, response ${body.length} bytes (${result.bytesPerRequest.toFixed(0)} B/request on the wire)`);
}
clearInterval(live);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// One request at a time: the time one answer takes (computed afresh with BENCH_CACHE_TTL=0s), not a queue's.
const one: number[] = [];
for (let i = 0; i < 60; i++) {
  const t = performance.now();
  const res = await fetch(`http://127.0.0.1:${hub.httpPort}${POWER_2H}`, { headers: { authorization, 'accept-encoding': acceptEncoding } });
  await res.arrayBuffer();
  if (i >= 10) one.push(performance.now() - t);
}
one.sort((a, b) => a - b);
console.log(`${POWER_2H}, one at a time (${one.length} requests): p50 ${one[one.length >> 1]!.toFixed(1)} ms, p99 ${one[Math.floor(one.length * 0.99)]!.toFixed(1)} ms`);

await Promise.all(clients.map((c) => c.endAsync()));
await hub.stop();
