/**
 * Local history store benchmark: writes BENCH_HOURS (default 2) of simulated
 * 1 Hz telemetry from 8 GPUs x 25 metrics + 50 host/BMC/RAPL series (250
 * samples/s, what an 8-GPU node sends) into a fresh history.db, in the
 * agent's one-transaction-per-second batches, then prints:
 *   - write cost per 1 000 samples (ms of the agent's event loop),
 *   - DB bytes per sample (file + WAL after a checkpoint), projected to 24 h and 48 h,
 *   - query times: 1 h of one metric over 8 GPUs at 1 m steps (rollups),
 *     the same at 10 s steps (raw), and 24 h at 1 m steps when BENCH_HOURS >= 24,
 *   - the cost of a one-minute prune at steady state.
 *
 *   npx tsx bench/agent-history.ts            (BENCH_HOURS=24 for a full day)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../agent/history/store.js';
import { runQuery } from '../shared/query/engine.js';
import type { Sample } from '../shared/schema/message.js';

const hours = Number(process.env.BENCH_HOURS ?? 2);
const GPUS = 8;
const GPU_METRICS = 25;
const OTHER_SERIES = 50;
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

/**
 * Values shaped like the real ones (fixture h100-80gb-hbm3-590.48.01-load):
 * integer percents, temperatures, clocks and MiB-exact bytes, 2-decimal
 * watts, and a growing fractional energy counter. SQLite stores integral
 * REALs as small integers, so the mix matters for bytes per sample.
 */
function gpuValue(metric: number, gpu: number, t: number): number {
  const wave = Math.sin(t / 37 + gpu) * 0.5 + 0.5;
  switch (metric % 5) {
    case 0:
      return Math.round((200 + 450 * wave) * 100) / 100; // watts, "631.95 W"
    case 1:
      return Math.round(100 * wave); // percent, "100 %"
    case 2:
      return Math.round(40 + 25 * wave); // celsius, "59"
    case 3:
      return Math.round(19818 + 500 * wave) * 1024 * 1024; // bytes from "19818 MiB"
    default:
      return 1e6 + t * 500 + Math.round(wave * 1000) / 1000; // joules counter
  }
}

function batch(t: number): Sample[] {
  const ts = T0 + t * 1000;
  const out: Sample[] = [];
  for (let g = 0; g < GPUS; g++) {
    const labels = { gpu: String(g), uuid: `GPU-${g}0000000-0000-0000-0000-000000000000` };
    for (let m = 0; m < GPU_METRICS; m++) out.push({ metric: `gpu_bench_${m}`, labels, value: gpuValue(m, g, t), ts });
  }
  for (let i = 0; i < OTHER_SERIES; i++) out.push({ metric: 'ipmi_temperature_celsius', labels: { sensor: `S${i}` }, value: 20 + (t % 7), ts });
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-history-'));
const file = join(dir, 'history.db');
const store = HistoryStore.open(file, { retentionMs: 48 * 3_600_000 });
const seconds = Math.round(hours * 3600);
const perBatch = batch(0).length;

let writeMs = 0;
let worstBatchMs = 0;
for (let t = 0; t < seconds; t++) {
  const samples = batch(t);
  const started = performance.now();
  store.append(samples, T0 + t * 1000);
  const ms = performance.now() - started;
  writeMs += ms;
  if (t > 60 && ms > worstBatchMs) worstBatchMs = ms;
}
const total = seconds * perBatch;
store.close();

// Closing checkpoints the WAL into the main file: measure what stays on disk.
const bytes = statSync(file).size;
const perSample = bytes / total;
console.log(`samples written: ${total} (${perBatch}/s for ${hours} h)`);
console.log(`write cost: ${((writeMs / total) * 1000).toFixed(2)} ms per 1 000 samples (worst 1 s batch ${worstBatchMs.toFixed(1)} ms)`);
console.log(`db size: ${(bytes / 1e6).toFixed(1)} MB = ${perSample.toFixed(1)} bytes per sample (raw + rollup + index)`);
console.log(`projected: ${((perSample * perBatch * 86400) / 1e9).toFixed(2)} GB for 24 h, ${((perSample * perBatch * 2 * 86400) / 1e9).toFixed(2)} GB for 48 h`);

const reader = HistoryStore.open(file, { retentionMs: 0, readonly: true });
const end = T0 + seconds * 1000;
function timeQuery(label: string, rangeMs: number, step: number): void {
  const start = Math.floor((end - rangeMs) / step) * step;
  const started = performance.now();
  const r = runQuery(reader, { metric: 'gpu_bench_0', matchers: [], start, end, step, agg: 'avg' });
  const points = r.reduce((a, s) => a + s.points.length, 0);
  console.log(`query ${label}: ${(performance.now() - started).toFixed(1)} ms (${r.length} series, ${points} points)`);
}
timeQuery('1 h, 8 GPUs, step 1m (rollups)', 3_600_000, 60_000);
timeQuery('1 h, 8 GPUs, step 10s (raw)', 3_600_000, 10_000);
if (hours >= 24) timeQuery('24 h, 8 GPUs, step 1m (rollups)', 86_400_000, 60_000);
reader.close();

// Steady state: a prune drops one minute of every series.
const rw = HistoryStore.open(file, { retentionMs: seconds * 1000 - 60_000 });
const started = performance.now();
rw.prune(end);
console.log(`prune of 1 minute (${perBatch * 60} samples): ${(performance.now() - started).toFixed(1)} ms`);
rw.close();
rmSync(dir, { recursive: true, force: true });
