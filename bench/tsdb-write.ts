/**
 * Write throughput of the tsdb: samples per second through write(), one
 * transaction per call, for a few batch sizes (64 = one node's message of
 * 8 GPUs x 8 metrics; 1024 = the whole 16-node fleet's second; 16384).
 * Rows are deep copies, as after JSON.parse in ingest, so the series cache
 * cannot lean on object identity. Generation is outside the timing.
 *
 *   npx tsx bench/tsdb-write.ts   (TSDB_WRITE_SAMPLES=... per batch size, default 2 M)
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTsdb, type TsdbRow } from '../hub/tsdb/store.js';
import { Fleet } from '../test/hub/tsdb/helpers/workload.js';

const perSize = Number(process.env.TSDB_WRITE_SAMPLES ?? 2_000_000);
const start = Date.UTC(2026, 0, 5);
const fleet = new Fleet(16, 8, start, 3);
const rows: TsdbRow[] = [];
while (rows.length < perSize) rows.push(...(JSON.parse(JSON.stringify(fleet.next())) as TsdbRow[]));

for (const batch of [64, 1024, 16_384]) {
  const file = join(tmpdir(), `kcloud-bench-tsdb-write-${batch}.db`);
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  const db = openTsdb(file, { now: () => start + 3600_000 });
  const t0 = performance.now();
  let written = 0;
  for (let i = 0; i < rows.length; i += batch) written += db.write(rows.slice(i, i + batch)).written;
  const ms = performance.now() - t0;
  const t1 = performance.now();
  db.close();
  const reopened = openTsdb(file, { now: () => start + 3600_000 });
  const replayMs = performance.now() - t1;
  const head = reopened.stats().headSamples;
  reopened.close();
  console.log(
    `batch ${String(batch).padStart(6)}: ${((written / ms) * 1000).toFixed(0).padStart(8)} samples/s, ${((ms * 1000) / (rows.length / batch)).toFixed(0)} us per write(); reopen replays ${head} head samples in ${replayMs.toFixed(0)} ms`,
  );
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
}
