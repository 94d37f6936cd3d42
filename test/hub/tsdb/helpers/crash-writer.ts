/**
 * Child process of crash.test.ts: writes numbered batches into a tsdb file
 * forever, sealing and applying retention as it goes, and prints
 * `ack <batch>` after each write() returned. The parent kills it with
 * SIGKILL at a random moment; every acknowledged batch must survive.
 *
 *   node --import tsx crash-writer.ts <file> <first batch>
 */
import { openTsdb, type TsdbRow } from '../../../../hub/tsdb/store.js';
import { crashBatch, CRASH_BASE, CRASH_STEP } from './crash-batches.js';

const [file, first] = process.argv.slice(2);
if (!file || !first) throw new Error('usage: crash-writer.ts <file> <first batch>');
let clock = CRASH_BASE;
const db = openTsdb(file, { now: () => clock, isCounter: (m) => m.endsWith('_total'), sealDelay: 0 });
for (let b = Number(first); ; b++) {
  clock = CRASH_BASE + b * CRASH_STEP;
  const rows: TsdbRow[] = crashBatch(b);
  db.write(rows);
  // stdout is a pipe: synchronous on Linux, so the line is out before the next write starts.
  process.stdout.write(`ack ${b}\n`);
  if (b % 10 === 0) db.seal(clock);
  if (b % 97 === 0) db.applyRetention(clock);
}
