/**
 * Event-loop stall of the hourly seal (issue 20): BENCH_SERIES series
 * (default 12 000) with an hour of samples every BENCH_INTERVAL_S seconds
 * (default 1) in the head, sealed
 *   1. the old way, seal() then applyRetention() at once on the main thread
 *      (both still exist: flush and tests use them), timed;
 *   2. the way the hub runs it, maintain(): bounded steps in ~5 ms slices,
 *      WAL checkpoints on a worker thread (BENCH_CHECKPOINT=commit: in the
 *      commits, SQLite's default), with monitorEventLoopDelay's p50/p99/max
 *      over the run, each task's step CPU (the process's, compiler and GC
 *      threads included) and the GC pauses;
 *   3. inside a real hub (in this process, embedded broker), through the
 *      hub's own maintenance, while one node publishes QoS 1 telemetry at
 *      BENCH_PUBLISH_RATE messages/s (default 50): publish -> PUBACK p50/p99/max
 *      and the loop delay, idle before and during the seal.
 * Target (issue 20): max lag <= 50 ms.
 *
 *   npx tsx bench/seal-stall.ts   (BENCH_PARTS=3 runs only part 3, BENCH_PARTS=1,2 the first two)
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openHubDb } from '../hub/core/db.js';
import { hubFiles } from '../hub/core/paths.js';
import { NodeStore } from '../hub/identity/nodes.js';
import { HOUR } from '../hub/tsdb/options.js';
import { runSliced, type MaintenanceStep } from '../hub/tsdb/steps.js';
import type { TsdbOptions } from '../hub/tsdb/options.js';
import { openTsdb, type TsdbRow } from '../hub/tsdb/store.js';
import { connectMqtt, startTestHub, telemetry } from '../test/helpers/hub.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 12_000);
const INTERVAL_S = Number(process.env.BENCH_INTERVAL_S ?? 1);
const PUBLISH_RATE = Number(process.env.BENCH_PUBLISH_RATE ?? 50);
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3').split(',').map(Number));
const METRICS = ['gpu_power_watts', 'gpu_utilization_percent', 'gpu_temperature_celsius', 'gpu_memory_used_bytes', 'gpu_sm_clock_mhz', 'gpu_energy_joules'];

const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-seal-'));
// A whole window that ended an hour ago: due for sealing at any `now` of this run.
const window = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

const ms = (x: number) => `${x.toFixed(1)} ms`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const lag = (h: IntervalHistogram) => `loop delay p50 ${ms(h.percentile(50) / 1e6)}, p99 ${ms(h.percentile(99) / 1e6)}, max ${ms(h.max / 1e6)}`;

function delayMonitor(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return h;
}

/** The store with one hour of every series in its head, closed (so its WAL is checkpointed into the one file). */
function build(file: string): number {
  const db = openTsdb(file);
  const t0 = performance.now();
  let samples = 0;
  for (let ts = window; ts < window + HOUR; ts += INTERVAL_S * 1000) {
    const rows: TsdbRow[] = new Array<TsdbRow>(SERIES);
    for (let s = 0; s < SERIES; s++) {
      const gpu = Math.floor(s / METRICS.length);
      rows[s] = { metric: METRICS[s % METRICS.length]!, labels: { node: `node-${Math.floor(gpu / 8)}`, gpu: String(gpu % 8) }, ts, value: Math.round((300 + ((s * 7 + ts / 1000) % 400)) * 100) / 100 };
    }
    samples += db.write(rows).written;
  }
  db.close();
  console.log(`built ${SERIES} series x ${3600 / INTERVAL_S} samples = ${(samples / 1e6).toFixed(1)} M samples in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return samples;
}

/**
 * The same steps, each timed in wall clock and in the process's CPU time, keeping the longest of each task:
 * the loop delay's max also counts time the OS gave other processes, the step's CPU time does not.
 */
function* timedSteps<R>(steps: Generator<MaintenanceStep, R>, longest: Map<string, { wall: number; cpu: number; step: MaintenanceStep; cpus: number[] }>): Generator<MaintenanceStep, R> {
  let index = 0;
  try {
    for (;;) {
      index++;
      const wall0 = performance.now();
      const cpu0 = process.cpuUsage();
      const next = steps.next();
      const cpu = process.cpuUsage(cpu0);
      if (next.done) return next.value;
      const l = { wall: performance.now() - wall0, cpu: (cpu.user + cpu.system) / 1000, step: { ...next.value, index }, cpus: longest.get(next.value.task)?.cpus ?? [] };
      l.cpus.push(l.cpu);
      if (l.cpu > (longest.get(next.value.task)?.cpu ?? -1)) longest.set(next.value.task, l);
      yield next.value;
    }
  } finally {
    steps.return(undefined as R);
  }
}

function openTimed(file: string, options?: TsdbOptions) {
  const t0 = performance.now();
  const db = openTsdb(file, options);
  console.log(`  opened (head log replayed) in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(db.stats().headSamples / 1e6).toFixed(1)} M head samples`);
  return db;
}

const built = join(dir, 'built.db');
build(built);

// 1. The old maintenance callback: seal and retention at once.
if (PARTS.has(1)) {
  const file = join(dir, 'sync.db');
  copyFileSync(built, file);
  const db = openTimed(file);
  const t0 = performance.now();
  const sealed = db.seal(Date.now());
  const t1 = performance.now();
  db.applyRetention(Date.now());
  const t2 = performance.now();
  db.close();
  rmSync(file);
  console.log(`before (seal + applyRetention at once): the thread held ${ms(t2 - t0)} (seal ${ms(t1 - t0)} for ${(sealed.samples / 1e6).toFixed(1)} M samples, retention + vacuum ${ms(t2 - t1)})`);
}

// 2. The store's sliced maintenance, nothing else running.
if (PARTS.has(2)) {
  const file = join(dir, 'sliced.db');
  copyFileSync(built, file);
  // With the hub's checkpoints on a worker thread (BENCH_CHECKPOINT=commit: SQLite's own, in the commits).
  const db = openTimed(file, process.env.BENCH_CHECKPOINT === 'commit' ? {} : { checkpointWorker: { intervalMs: 1000 } });
  const h = delayMonitor();
  const longest = new Map<string, { wall: number; cpu: number; step: MaintenanceStep; cpus: number[] }>();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const result = await runSliced(timedSteps(db.maintenance(Date.now()), longest));
  const took = performance.now() - t0;
  h.disable();
  db.close();
  rmSync(file);
  console.log(`after  (maintain, sliced): ${(result.seal.samples / 1e6).toFixed(1)} M samples sealed in ${(took / 1000).toFixed(1)} s, ${lag(h)}`);
  gc.disconnect();
  for (const [task, l] of longest) {
    const sorted = l.cpus.sort((a, b) => a - b);
    console.log(`  ${task.padEnd(17)} ${sorted.length} steps, CPU p50 ${ms(pct(sorted, 50))}, p99 ${ms(pct(sorted, 99))}; longest ${ms(l.wall)} wall, ${ms(l.cpu)} CPU (${JSON.stringify(l.step)})`);
  }
  const pauses = gcPauses.sort((a, b) => a - b);
  console.log(`  GC pauses: ${pauses.length}, p99 ${ms(pct(pauses, 99))}, max ${ms(pauses.at(-1) ?? 0)}, over 20 ms: ${pauses.filter((p) => p > 20).length}`);
}

// 3. The same through a real hub's maintenance, a node publishing meanwhile.
if (PARTS.has(3)) {
  const dataDir = join(dir, 'hub');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  copyFileSync(built, hubFiles(dataDir).tsdb);
  const t0 = performance.now();
  const th = await startTestHub({ dataDir });
  console.log(`hub started (head log replayed) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const db = openHubDb(hubFiles(dataDir).db);
  await new NodeStore(db).add('bench-01', 'lab', 'bench-01-secret');
  db.close();
  const client = await connectMqtt(th.url, { username: 'bench-01', password: 'bench-01-secret' });
  let seq = 1;
  let publishing = true;
  let acks: number[] = [];
  const publisher = (async () => {
    while (publishing) {
      const sent = performance.now();
      const samples = Array.from({ length: 8 }, (_, g) => ({ metric: 'gpu_power_watts', labels: { gpu: String(g) }, ts: Date.now(), value: 300 + g }));
      void client.publishAsync('kcloud/v1/lab/bench-01/telemetry', telemetry('lab', 'bench-01', seq++, samples), { qos: 1 }).then(() => acks.push(performance.now() - sent));
      await sleep(1000 / PUBLISH_RATE);
    }
  })();
  const report = (what: string, h: IntervalHistogram) => {
    const sorted = acks.sort((a, b) => a - b);
    console.log(`${what}: publish -> PUBACK p50 ${ms(pct(sorted, 50))}, p99 ${ms(pct(sorted, 99))}, max ${ms(sorted.at(-1)!)} (${sorted.length} messages); ${lag(h)}`);
    acks = [];
  };

  let h = delayMonitor();
  await sleep(5000);
  h.disable();
  report('hub, idle        ', h);

  h = delayMonitor();
  const t1 = performance.now();
  await th.hub.maintain();
  const took = performance.now() - t1;
  h.disable();
  report(`hub, during its maintenance (${(took / 1000).toFixed(1)} s)`, h);

  publishing = false;
  await publisher;
  client.end(true);
  await th.hub.stop();
}
rmSync(dir, { recursive: true, force: true });
