/**
 * Throughput and memory of a big streamed export: 64 nodes x 8 GPUs with
 * GPU power, GPU energy counters and RAPL package power at 15 s for 24 h
 * (the first 23 h sealed, as a live hub has it). Exports the per-GPU
 * metrics at step=15s (about 2.9 M rows) in each format into a sink that
 * drains like a fast client, and prints rows/s, output MB and the peak RSS
 * seen during the run (sampled every 50 ms). PDF reads everything but prints
 * only MAX_PDF_ROWS rows, so its rows/s is the read rate.
 *
 *   npx tsx bench/export.ts [json|csv|excel|parquet|pdf ...]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
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
const formats = (process.argv.slice(2).length ? process.argv.slice(2) : EXPORT_FORMATS) as ExportFormat[];
console.log(`${NODES * GPUS} GPUs x ${(END - T0) / EVERY} steps; rss after load ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

for (const format of formats) {
  let bytes = 0;
  // Drains at once, like a client on a fast link: measures the export, not the network.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const progress = new ExportProgress(log, { export: 'bench', format });
  const table = metricsTable(db, { start: T0, end: END, step: EVERY }, 'gpu');
  const t = performance.now();
  await TABLE_WRITERS[format]({ ...table, rows: counted(table.rows, progress) }, sink, { title: 'bench', from: T0, to: END, step: EVERY, stepText: '15s' });
  const s = (performance.now() - t) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `${format.padEnd(8)} ${progress.rows} rows in ${s.toFixed(1)} s = ${Math.round(progress.rows / s).toLocaleString('en')} rows/s, ${(bytes / 2 ** 20).toFixed(1)} MB, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
}
db.close();
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
