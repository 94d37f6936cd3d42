/**
 * Storage benchmark on issue 20's data set: 125 nodes x 8 GPUs x 12 metrics
 * (12 000 series), 1 sample/s for 2 h with 0-7 ms timestamp jitter, every
 * node stamping one timestamp per tick (test/hub/tsdb/helpers/workload.ts,
 * levels from the H100 captures) = 86.4 M samples, written one tick per
 * transaction, sealing every simulated 10 minutes as the hub would; then it
 * seals the rest, applies retention (vacuum) and prints bytes per sample on
 * disk (whole file) and where the bytes go: chunks, shared timestamp
 * columns, rollups, indexes, free pages.
 *
 *   npx tsx bench/tsdb-storage.ts
 *   TSDB_NODES=4 npx tsx bench/tsdb-storage.ts          quick: 384 series x 2 h = 2.8 M samples
 *   TSDB_SAMPLES=20000000  stop after that many samples (default: 2 h of the fleet)
 *   TSDB_METRICS=8         the 8-metric GPU of the older figures
 *   TSDB_WINDOW=2h, TSDB_CODEC=0|1|2 (none/deflate/brotli chunks)
 */
import Database from 'better-sqlite3';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricDef } from '../shared/metrics/index.js';
import type { Codec } from '../hub/tsdb/compress.js';
import { openTsdb } from '../hub/tsdb/store.js';
import { Fleet } from '../test/hub/tsdb/helpers/workload.js';

const nodes = Number(process.env.TSDB_NODES ?? 125);
const metrics = Number(process.env.TSDB_METRICS ?? 12);
if (metrics !== 8 && metrics !== 12) throw new Error('TSDB_METRICS must be 8 or 12');
const file = join(tmpdir(), 'kcloud-bench-tsdb-storage.db');

for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });

const start = Date.UTC(2026, 0, 5);
let clock = start;
const db = openTsdb(file, {
  isCounter: (m) => metricDef(m)?.type === 'counter',
  now: () => clock,
  chunkWindow: process.env.TSDB_WINDOW ?? '1h',
  codec: process.env.TSDB_CODEC === undefined ? undefined : (Number(process.env.TSDB_CODEC) as Codec),
});
const fleet = new Fleet(nodes, 8, start, 1, metrics);
const target = Number(process.env.TSDB_SAMPLES ?? fleet.seriesCount * 7200);
const ticks = Math.ceil(target / fleet.seriesCount);

let writeMs = 0;
let sealMs = 0;
let samples = 0;
const t0 = performance.now();
for (let tick = 0; tick < ticks; tick++) {
  const rows = fleet.next();
  clock = rows[0]!.ts;
  let t = performance.now();
  samples += db.write(rows).written;
  writeMs += performance.now() - t;
  if (tick % 600 === 599) {
    t = performance.now();
    db.seal(clock);
    sealMs += performance.now() - t;
  }
}
let t = performance.now();
clock += 3 * 3600_000;
db.seal(clock);
sealMs += performance.now() - t;
const beforeVacuum = db.stats();
t = performance.now();
db.applyRetention(clock);
const vacuumMs = performance.now() - t;
const stats = db.stats();
db.close();
const totalMs = performance.now() - t0;

const size = statSync(file).size;
const ro = new Database(file, { readonly: true });
const pageSize = ro.pragma('page_size', { simple: true }) as number;
let breakdown: { name: string; bytes: number; unused: number }[] = [];
try {
  // unused: bytes of the table's pages that hold nothing (the chunks' leaves: hub/tsdb/leaf-packer.ts).
  breakdown = ro.prepare('SELECT name, sum(pgsize) AS bytes, sum(unused) AS unused FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as typeof breakdown;
} catch {
  // dbstat is a compile-time option of SQLite; the total is what matters.
}
const free = (ro.pragma('freelist_count', { simple: true }) as number) * pageSize;
ro.close();

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
console.log(`samples written        ${samples.toLocaleString('en')} (${fleet.seriesCount} series x ${ticks} s)`);
console.log(`samples stored         ${stats.samples.toLocaleString('en')} in ${stats.chunks} chunks, head ${stats.headSamples}`);
console.log(`write                  ${((samples / writeMs) * 1000).toFixed(0)} samples/s (${(writeMs / 1000).toFixed(1)} s inside write(), ${fleet.seriesCount}-sample transactions)`);
console.log(`seal                   ${(sealMs / 1000).toFixed(1)} s total (${((samples / sealMs) * 1000).toFixed(0)} samples/s)`);
console.log(`file before vacuum     ${mb(beforeVacuum.bytes)} (db + wal) = ${(beforeVacuum.bytes / samples).toFixed(2)} B/sample`);
console.log(`retention + vacuum     ${vacuumMs.toFixed(0)} ms`);
console.log(`file on disk           ${mb(size)} = ${(size / samples).toFixed(3)} B/sample (free pages ${mb(free)})`);
for (const b of breakdown) {
  console.log(`  ${b.name.padEnd(28)} ${mb(b.bytes).padStart(10)}  ${(b.bytes / samples).toFixed(3)} B/sample  (${((100 * b.unused) / b.bytes).toFixed(1)} % unused)`);
}
console.log(`wall time              ${(totalMs / 1000).toFixed(1)} s`);
if (!process.env.TSDB_KEEP) for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
