/**
 * Throughput and memory of a big streamed export: 64 nodes x 8 GPUs with
 * GPU power, GPU energy counters and RAPL package power at 15 s for 24 h
 * (the first 23 h sealed, as a live hub has it). Exports the per-GPU
 * metrics at step=15s (about 2.9 M rows) in each format into a sink that
 * drains like a fast client, and prints rows/s, output MB and the peak RSS
 * seen during the run (sampled every 50 ms). PDF reads everything but prints
 * only MAX_PDF_ROWS rows, so its rows/s is the read rate. Then
 * BENCH_CONCURRENT (20) excel exports of the last hour at once, unbounded
 * and through the routes' export slots, with the peak RSS of each.
 *
 *   npx tsx bench/export.ts [json|csv|excel|parquet|pdf ... | concurrent]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadHubConfig } from '../hub/config.js';
import { ExportSlots } from '../hub/export/export-slots.js';
import { EXPORT_FORMATS, type ExportFormat } from '../hub/export/formats.js';
import { metricsTable } from '../hub/export/metrics-table.js';
import { counted, ExportProgress } from '../hub/export/progress.js';
import { TABLE_WRITERS } from '../hub/export/writers.js';
import { openTsdb, type TsdbRow } from '../hub/tsdb/store.js';
import { createLogger } from '../shared/log.js';

const HOUR = 3_600_000;
const NODES = 64;
const GPUS = 8;
const EVERY = 15_000;
const T0 = Date.UTC(2026, 0, 5);
const END = T0 + 24 * HOUR;
const file = join(tmpdir(), 'kcloud-bench-export.db');
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });

const db = openTsdb(file, { now: () => END, isCounter: (m) => m.endsWith('_joules') });
const energy = new Float64Array(NODES * GPUS);
for (let ts = T0; ts < END; ts += EVERY) {
  const rows: TsdbRow[] = [];
  for (let n = 0; n < NODES; n++) {
    const base = { cluster: 'c1', node: `node-${n}` };
    rows.push({ metric: 'rapl_power_watts', labels: { ...base, zone: 'intel-rapl:0', domain: 'package' }, ts, value: 90 + (n % 10) });
    for (let g = 0; g < GPUS; g++) {
      const i = n * GPUS + g;
      const w = 100 + ((ts / EVERY + i) % 200);
      energy[i]! += (w * EVERY) / 1000;
      const labels = { ...base, gpu: String(g), uuid: `GPU-${n}-${g}` };
      rows.push({ metric: 'gpu_power_watts', labels, ts, value: w });
      rows.push({ metric: 'gpu_energy_joules', labels, ts, value: energy[i]! });
      rows.push({ metric: 'gpu_utilization_percent', labels, ts, value: (i * 7) % 100 });
    }
  }
  db.write(rows);
}
db.seal(END - HOUR);

const log = createLogger({ name: 'bench', level: 'warn' });
const args = process.argv.slice(2);
// `concurrent` alone skips the per-format runs.
const formats = (args[0] === 'concurrent' ? [] : args.length ? args : EXPORT_FORMATS) as ExportFormat[];
console.log(`${NODES * GPUS} GPUs x ${(END - T0) / EVERY} steps; rss after load ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

/** Exports the per-GPU metrics of [from, END) as `format` into a sink that drains at once (a fast client: measures the export, not the network). */
async function runExport(format: ExportFormat, from: number): Promise<{ rows: number; bytes: number }> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  const progress = new ExportProgress(log, { export: 'bench', format });
  const table = metricsTable(db, { start: from, end: END, step: EVERY }, 'gpu');
  await TABLE_WRITERS[format]({ ...table, rows: counted(table.rows, progress) }, sink, { title: 'bench', from, to: END, step: EVERY, stepText: '15s' });
  return { rows: progress.rows, bytes };
}

/** Runs `work` while sampling RSS every 50 ms; returns its result and the peak. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const result = await work();
  clearInterval(sampler);
  return { result, peak: Math.max(peak, process.memoryUsage().rss) };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

for (const format of formats) {
  const t = performance.now();
  const { result, peak } = await withPeakRss(() => runExport(format, T0));
  const s = (performance.now() - t) / 1000;
  console.log(
    `${format.padEnd(8)} ${result.rows} rows in ${s.toFixed(1)} s = ${Math.round(result.rows / s).toLocaleString('en')} rows/s, ${(result.bytes / 2 ** 20).toFixed(1)} MB, peak RSS ${mib(peak)}`,
  );
}

/**
 * Many clients at once (BENCH_CONCURRENT, default 20) each asking for the
 * last hour as excel, the heaviest writer: first through the slots the
 * export routes use with their default bounds (api.exports), where the ones
 * beyond running + queued are refused (the routes' 429), then unbounded.
 */
const clients = Number(process.env.BENCH_CONCURRENT ?? 20);
const defaults = loadHubConfig(undefined, {}).api.exports;
// Bounded first: the heap an unbounded run grows is not given back to the OS, so RSS after it would hide the bound.
for (const [label, slots] of [
  [`bounded ${defaults.maxConcurrent}+${defaults.maxQueued}`, new ExportSlots(defaults.maxConcurrent, defaults.maxQueued)],
  ['unbounded', new ExportSlots(clients, 0)],
] as const) {
  const t = performance.now();
  const { result, peak } = await withPeakRss(() =>
    Promise.all(
      Array.from({ length: clients }, async () => {
        const pending = slots.acquire();
        if (!pending) return 'refused';
        const release = await pending;
        await runExport('excel', END - HOUR).finally(release);
        return 'served';
      }),
    ),
  );
  const served = result.filter((r) => r === 'served').length;
  console.log(`${clients} concurrent excel exports, ${label}: ${served} served, ${clients - served} refused (429), ${((performance.now() - t) / 1000).toFixed(1)} s, peak RSS ${mib(peak)}`);
}
db.close();
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
