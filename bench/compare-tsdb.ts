/**
 * kcloud, Prometheus and VictoriaMetrics side by side on one data set
 * (issue 20, "How figures are reported"). See HELP below and docs/tsdb.md,
 * "Side by side".
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubFiles } from '../hub/core/paths.js';
import type { Tsdb } from '../hub/tsdb/store.js';
import type { Matcher, RangeQuery } from '../shared/query/types.js';
import { EXTRA_GPU_METRICS, Fleet, GPU_METRICS } from '../test/hub/tsdb/helpers/workload.js';
import { engineQuery, loadKcloud, mqttIngest, openForQueries, startRestHub, type MqttIngest, type RestHub } from './compare-tsdb-kcloud.js';
import { OPENMETRICS_EOF, toOpenMetrics, VmJsonLines } from './compare-tsdb-formats.js';
import { packageVersion, prometheusBlockBytes, promtoolCreateBlocks, startPrometheusOn, startVictoriaMetrics, type PeerServer, type ReadBack, type VictoriaMetrics } from './compare-tsdb-peers.js';
import { processCpuSeconds } from './proc-stat.js';

const HELP = `Usage: npx tsx bench/compare-tsdb.ts [--help]

Generates issue 20's data set (test/hub/tsdb/helpers/workload.ts: nodes x 8 GPUs
x 12 metrics, 1 sample/s, 0-7 ms timestamp jitter shared per node tick; the
same seed for every store), loads it into
  kcloud           openTsdb (hub/tsdb/store.ts) in this process: write() in
                   batches of node messages, seal every minute of data, flush,
                   applyRetention (vacuum); and, apart, the real MQTT path
                   (QoS 1 JSON into a hub child process, bench/built-hub.ts)
  Prometheus       OpenMetrics text -> promtool tsdb create-blocks-from
                   openmetrics, then prometheus serving those blocks
  VictoriaMetrics  /api/v1/import JSON lines, force_flush + force_merge,
                   -search.disableCache
and prints for all three: bytes/sample fully compacted, ingest CPU-s per
million samples, query p50 (one series 1 h @ 1 m, all GPUs' power 1 h @ 1 m,
power summed by node 2 h @ 1 m), each store's values checked against the
generator, then the ratios and issue 20's targets, met or missed.

Environment:
  BENCH_NODES=125        nodes (x 8 GPUs x 12 metrics)
  BENCH_HOURS=2          hours of data (86.4 M samples at the defaults)
  BENCH_RUNS=20          timed runs per query and engine (after 2 not timed)
  BENCH_TX_MESSAGES=8    node messages (96 samples each) per kcloud transaction
  BENCH_MQTT=1           0 skips the MQTT ingest run
  BENCH_MQTT_RATE=100000 samples/s published over MQTT
  BENCH_MQTT_WARMUP=10   seconds published before measuring (not counted)
  BENCH_MQTT_SECONDS=30  seconds measured
  BENCH_HUB_SOURCE=1     the MQTT run's hub from source (tsx), not dist/
  BENCH_SEED=1
Quick run: BENCH_NODES=10 BENCH_HOURS=0.25 BENCH_RUNS=5 npx tsx bench/compare-tsdb.ts
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}: "${raw}" is not a number >= ${min}`);
  return v;
}

const NODES = Math.floor(envNumber('BENCH_NODES', 125, 1));
const HOURS = envNumber('BENCH_HOURS', 2, 1 / 60);
const RUNS = Math.floor(envNumber('BENCH_RUNS', 20, 1));
const TX_MESSAGES = Math.floor(envNumber('BENCH_TX_MESSAGES', 8, 1));
const SEED = Math.floor(envNumber('BENCH_SEED', 1, 0));
const MQTT = process.env.BENCH_MQTT !== '0';
const MQTT_RATE = envNumber('BENCH_MQTT_RATE', 100_000, 1);
const MQTT_WARMUP = envNumber('BENCH_MQTT_WARMUP', 10, 0);
const MQTT_SECONDS = envNumber('BENCH_MQTT_SECONDS', 30, 1);

const GPUS = 8;
const METRICS = 12;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const TICKS = Math.round(HOURS * 3600);
// Whole 2 h blocks (Prometheus' block range) that ended before now, inside every store's retention.
const START = Math.floor((Date.now() - (Math.ceil(HOURS) + 2) * HOUR) / (2 * HOUR)) * 2 * HOUR;
const END = START + TICKS * 1000;
const fleet = () => new Fleet(NODES, GPUS, START, SEED, METRICS);
const node = (n: number) => `gpu-node-${String(n).padStart(3, '0')}`;
const METRIC_NAMES: readonly string[] = [...GPU_METRICS, ...EXTRA_GPU_METRICS];

/** Series read back from every store and compared with the generator, sample by sample. */
const SPOT = [
  { metric: 'gpu_power_watts', node: 0, gpu: 0 },
  { metric: 'gpu_energy_joules', node: NODES - 1, gpu: 7 },
  { metric: 'gpu_memory_free_bytes', node: Math.floor(NODES / 2), gpu: 3 },
  { metric: 'gpu_temperature_celsius', node: Math.min(1, NODES - 1), gpu: 5 },
].map((s) => ({ ...s, index: (s.node * GPUS + s.gpu) * METRICS + METRIC_NAMES.indexOf(s.metric), expected: [] as [number, number][] }));

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const perMillion = (cpuSeconds: number, samples: number) => (cpuSeconds / samples) * 1e6;

const t0 = performance.now();
/** A line every 10 % of a pass over the data set: a full run takes a while on a shared machine. */
function progress(what: string, tick: number): void {
  if ((tick + 1) % Math.max(1, Math.round(TICKS / 10)) === 0) console.error(`  ${what}: ${Math.round(((tick + 1) / TICKS) * 100)} % of the data set (${((performance.now() - t0) / 1000).toFixed(0)} s into the run)`);
}

const dir = mkdtempSync(join(tmpdir(), 'kcloud-compare-tsdb-'));
const stops: (() => Promise<void>)[] = [];
const tsdbs: Tsdb[] = [];

try {
  const samples = NODES * GPUS * METRICS * TICKS;
  console.log(`data set: ${NODES} nodes x ${GPUS} GPUs x ${METRICS} metrics = ${NODES * GPUS * METRICS} series, 1 Hz, ${HOURS} h from ${new Date(START).toISOString()} = ${samples.toLocaleString('en')} samples (seed ${SEED})`);
  console.log(`versions: node ${process.version}; ${await packageVersion('prometheus')}; ${await packageVersion('victoria-metrics')}`);

  // 1. kcloud through the store facade; the file lands in a hub's dataDir, for the REST queries.
  const hubDir = join(dir, 'hub-data');
  mkdirSync(hubDir, { mode: 0o700 });
  const kFile = hubFiles(hubDir).tsdb;
  let kTick = 0;
  const k = loadKcloud(kFile, fleet(), TICKS, TX_MESSAGES, (rows) => {
    for (const s of SPOT) s.expected.push([rows[s.index]!.ts, rows[s.index]!.value]);
    progress('kcloud load', kTick++);
  });
  if (k.samples !== samples) throw new Error(`kcloud stored ${k.samples} of ${samples} samples`);
  console.log(`kcloud: ${k.transactions} transactions of ${TX_MESSAGES} node messages; ${fmt(k.cpuSeconds, 1)} CPU s; file ${k.bytes} B (${k.bytesOpen} B with the -wal while open)`);

  // 2. Prometheus' OpenMetrics file and VictoriaMetrics' import, from one more pass of the generator.
  const vmDir = join(dir, 'vm');
  const vm: VictoriaMetrics = await startVictoriaMetrics(vmDir);
  stops.push(() => vm.stop());
  const omFile = join(dir, 'data.om');
  const om = openSync(omFile, 'w');
  const vmCpu0 = processCpuSeconds(vm.pid);
  const lines = new VmJsonLines();
  const gen = fleet();
  for (let tick = 0; tick < TICKS; tick++) {
    const rows = gen.next();
    writeSync(om, toOpenMetrics(rows));
    lines.add(rows);
    if (tick % 60 === 59 || tick === TICKS - 1) await vm.importJsonLines(lines.take());
    progress('OpenMetrics file and VictoriaMetrics import', tick);
  }
  writeSync(om, OPENMETRICS_EOF);
  closeSync(om);
  await vm.compact();
  const vmCpu = processCpuSeconds(vm.pid) - vmCpu0;
  const vmBytes = vm.bytes();
  console.log(`VictoriaMetrics: import + flush + merge ${fmt(vmCpu, 1)} CPU s; ${vmBytes} B under -storageDataPath`);

  const promDir = join(dir, 'prometheus');
  const promData = join(promDir, 'data');
  mkdirSync(promData, { recursive: true });
  const promtool = await promtoolCreateBlocks(omFile, promData);
  rmSync(omFile);
  const promBlocks = prometheusBlockBytes(promData);
  console.log(`Prometheus: promtool ${fmt(promtool.cpuSeconds, 1)} CPU s; ${promBlocks.blocks} block(s), ${promBlocks.bytes} B`);

  // 3. kcloud's real ingest path, apart from the bulk load (its own data dir, data ending before now).
  let mqtt: MqttIngest | null = null;
  if (MQTT) {
    const ticksNeeded = Math.ceil((MQTT_RATE * (MQTT_WARMUP + MQTT_SECONDS) * 1.5) / (NODES * GPUS * METRICS)) + 1;
    const mqttStart = Math.floor(Date.now() / 1000) * 1000 - (ticksNeeded + 600) * 1000;
    mqtt = await mqttIngest(new Fleet(NODES, GPUS, mqttStart, SEED, METRICS), MQTT_RATE, MQTT_WARMUP, MQTT_SECONDS);
    if (mqtt.stored !== mqtt.published) throw new Error(`MQTT: the hub stored ${mqtt.stored} of ${mqtt.published} published samples`);
    console.log(
      `kcloud MQTT (${mqtt.hub}): ${mqtt.samples} samples in ${fmt(mqtt.seconds, 1)} s = ${fmt(mqtt.samples / mqtt.seconds, 0)} samples/s, hub ${fmt(mqtt.cpuSeconds, 1)} CPU s; all ${mqtt.published} published samples stored`,
    );
  }

  // 4. Servers for the queries, and every store's values checked against the generator.
  const prom = await startPrometheusOn(promDir, promData);
  stops.push(() => prom.stop());
  const promBytes = prometheusBlockBytes(promData);
  const kdb = openForQueries(kFile);
  tsdbs.push(kdb);
  const rest: RestHub = await startRestHub(hubDir);
  stops.push(() => rest.stop());

  const check = (store: string, got: ReadBack[], s: (typeof SPOT)[number]) => {
    if (got.length !== 1) throw new Error(`${store}: ${got.length} series for ${s.metric} ${node(s.node)} gpu ${s.gpu}`);
    const a = got[0]!.samples;
    const bad = s.expected.findIndex(([ts, v], i) => a[i]?.[0] !== ts || !Object.is(a[i]?.[1], v));
    if (a.length !== s.expected.length || bad >= 0) {
      throw new Error(`${store}: ${s.metric} ${node(s.node)} gpu ${s.gpu}: ${a.length} samples of ${s.expected.length}, first difference at ${bad}: ${JSON.stringify(a[bad])} vs ${JSON.stringify(s.expected[bad])}`);
    }
  };
  for (const s of SPOT) {
    const matchers: Matcher[] = [
      { label: 'node', op: '=', value: node(s.node) },
      { label: 'gpu', op: '=', value: String(s.gpu) },
    ];
    const refs = kdb.findSeries(s.metric, matchers);
    const cols = refs.map((r) => kdb.readSamples(r.id, START, END + 1));
    check('kcloud', cols.map((c) => ({ labels: {}, samples: [...c.ts].map((ts, i): [number, number] => [ts, c.values[i]!]) })), s);
    const selector = `${s.metric}{node="${node(s.node)}",gpu="${s.gpu}"}`;
    for (const peer of [prom, vm] as PeerServer[]) check(peer.name, await peer.readRaw(selector, START, END), s);
  }
  console.log(`values: ${SPOT.length} series x ${TICKS} samples read back from each store equal the generator's (ts and value, bit for bit)`);

  // 5. Queries, rounds interleaved across engines. PromQL windows are (t - 1m, t], kcloud's [t, t + 1m): the PromQL
  // range starts one step later so both read the same samples and give the same number of points.
  const span1 = Math.min(HOUR, END - START);
  const span2 = Math.min(2 * HOUR, END - START);
  const one = `node="${node(Math.min(7, NODES - 1))}",gpu="3"`;
  const queries: { name: string; kcloud: RangeQuery; promql: string; span: number; targetMs: number | null; restTarget: boolean }[] = [
    {
      name: `(a) one series ${span1 / MINUTE} min @ 1 m`,
      kcloud: { metric: 'gpu_power_watts', matchers: [{ label: 'node', op: '=', value: node(Math.min(7, NODES - 1)) }, { label: 'gpu', op: '=', value: '3' }], start: START, end: START + span1, step: MINUTE, agg: 'avg' },
      promql: `avg_over_time(gpu_power_watts{${one}}[1m])`,
      span: span1,
      targetMs: 0.1,
      restTarget: false,
    },
    {
      name: `(b) ${NODES * GPUS} series ${span1 / MINUTE} min @ 1 m`,
      kcloud: { metric: 'gpu_power_watts', matchers: [], start: START, end: START + span1, step: MINUTE, agg: 'avg' },
      promql: 'avg_over_time(gpu_power_watts[1m])',
      span: span1,
      targetMs: 50,
      restTarget: true,
    },
    {
      // The latest power of a node's GPUs summed per step (the engine's `last` adds up across a group).
      name: `(c) sum by node, ${NODES * GPUS} GPUs ${span2 / MINUTE} min @ 1 m`,
      kcloud: { metric: 'gpu_power_watts', matchers: [], start: START, end: START + span2, step: MINUTE, agg: 'last', groupBy: ['node'] },
      promql: 'sum by (node) (last_over_time(gpu_power_watts[1m]))',
      span: span2,
      targetMs: 40,
      restTarget: true,
    },
  ];
  const engines: { name: string; run: (q: (typeof queries)[number]) => Promise<number> | number }[] = [
    { name: 'kcloud engine', run: (q) => engineQuery(kdb, q.kcloud) },
    { name: 'kcloud REST', run: (q) => rest.query(q.kcloud) },
    { name: 'Prometheus', run: (q) => prom.queryRange(q.promql, START + MINUTE, START + q.span, MINUTE) },
    { name: 'VictoriaMetrics', run: (q) => vm.queryRange(q.promql, START + MINUTE, START + q.span, MINUTE) },
  ];
  const times = new Map<string, number[]>();
  const points = new Map<string, number>();
  for (let run = 0; run < RUNS + 2; run++) {
    for (const q of queries) {
      for (const e of engines) {
        const t0 = performance.now();
        const n = await e.run(q);
        const ms = performance.now() - t0;
        const key = `${q.name}|${e.name}`;
        points.set(key, n);
        if (run >= 2) times.set(key, [...(times.get(key) ?? []), ms]);
      }
    }
  }
  const p50 = (key: string) => {
    const t = [...times.get(key)!].sort((a, b) => a - b);
    return t[Math.floor((t.length - 1) / 2)]!;
  };

  // 6. The figures, then the ratios and targets.
  const kBps = k.bytes / samples;
  const promBps = promBytes.bytes / samples;
  const vmBps = vmBytes / samples;
  const kStoreCpu = perMillion(k.cpuSeconds, samples);
  const kMqttCpu = mqtt ? perMillion(mqtt.cpuSeconds, mqtt.samples) : NaN;
  const promCpu = perMillion(promtool.cpuSeconds, samples);
  const vmCpuM = perMillion(vmCpu, samples);
  const col = (s: string, w = 16) => s.padStart(w);
  console.log(`\n${''.padEnd(52)}${col('kcloud')}${col('Prometheus')}${col('VictoriaMetrics')}`);
  console.log(`${'bytes/sample, fully compacted'.padEnd(52)}${col(fmt(kBps))}${col(fmt(promBps))}${col(fmt(vmBps))}`);
  console.log(`${'ingest CPU-s / M samples, bulk load'.padEnd(52)}${col(`${fmt(kStoreCpu, 2)} store`)}${col(`${fmt(promCpu, 2)} promtool`)}${col(`${fmt(vmCpuM, 2)} import`)}`);
  console.log(`${'ingest CPU-s / M samples, kcloud MQTT path'.padEnd(52)}${col(mqtt ? fmt(kMqttCpu, 2) : 'skipped')}`);
  for (const q of queries) {
    const cell = (e: string) => `${fmt(p50(`${q.name}|${e}`))} ms`;
    console.log(`${`${q.name}, p50`.padEnd(52)}${col(`${cell('kcloud engine')}`)}${col(cell('Prometheus'))}${col(cell('VictoriaMetrics'))}`);
    console.log(`${'    kcloud through REST /api/v1/monitoring/query'.padEnd(52)}${col(cell('kcloud REST'))}`);
    console.log(`${'    points returned'.padEnd(52)}${col(`${points.get(`${q.name}|kcloud engine`)} / ${points.get(`${q.name}|kcloud REST`)}`)}${col(String(points.get(`${q.name}|Prometheus`)))}${col(String(points.get(`${q.name}|VictoriaMetrics`)))}`);
  }

  console.log('\nratios (kcloud / peer: below 1 means kcloud is ahead) and issue 20 targets');
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const ratioLine = (what: string, kv: number, vmv: number, pv: number, target: { label: string; ok: boolean } | null) => {
    const r1 = kv / vmv;
    const r2 = kv / pv;
    const parts = [`kcloud/VM ${fmt(r1, 2)} (${mark(r1 < 1)})`, `kcloud/Prometheus ${fmt(r2, 2)} (${mark(r2 < 1)})`];
    if (target) parts.push(`target ${target.label}: ${mark(target.ok)}`);
    console.log(`  ${what.padEnd(50)}${parts.join(', ')}`);
  };
  ratioLine('storage bytes/sample', kBps, vmBps, promBps, { label: '<= 0.45', ok: kBps <= 0.45 });
  ratioLine('ingest CPU-s/M, store only vs bulk loads', kStoreCpu, vmCpuM, promCpu, null);
  if (mqtt) ratioLine('ingest CPU-s/M, MQTT path vs bulk loads', kMqttCpu, vmCpuM, promCpu, { label: '<= 3.0', ok: kMqttCpu <= 3.0 });
  for (const q of queries) {
    const vmMs = p50(`${q.name}|VictoriaMetrics`);
    const promMs = p50(`${q.name}|Prometheus`);
    const eng = p50(`${q.name}|kcloud engine`);
    const restMs = p50(`${q.name}|kcloud REST`);
    ratioLine(`${q.name}, engine`, eng, vmMs, promMs, q.targetMs === null ? null : { label: `<= ${q.targetMs} ms`, ok: eng <= q.targetMs });
    ratioLine(`${q.name}, REST`, restMs, vmMs, promMs, q.restTarget && q.targetMs !== null ? { label: `<= ${q.targetMs} ms`, ok: restMs <= q.targetMs } : null);
  }
} finally {
  for (const db of tsdbs) db.close();
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error('stopping:', err));
  rmSync(dir, { recursive: true, force: true });
}
