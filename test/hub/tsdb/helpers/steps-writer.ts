/**
 * Child process of crash.test.ts, like crash-writer.ts but with the
 * maintenance the hub runs: in bounded steps, one step after each batch, so
 * every write lands between two steps of a seal or of retention (the hub
 * runs several steps per slice; any two are a valid place for a write).
 * Prints `ack <batch>` after each write() returned; killed with SIGKILL.
 *
 *   node --import tsx steps-writer.ts <file> <first batch>
 */
import type { MaintenanceStep } from '../../../../hub/tsdb/steps.js';
import { openTsdb, type MaintenanceResult } from '../../../../hub/tsdb/store.js';
import { crashBatch, CRASH_BASE, CRASH_STEP } from './crash-batches.js';

const [file, first] = process.argv.slice(2);
if (!file || !first) throw new Error('usage: steps-writer.ts <file> <first batch>');
let clock = CRASH_BASE;
const db = openTsdb(file, { now: () => clock, isCounter: (m) => m.endsWith('_total'), sealDelay: 0 });
let maintenance: Generator<MaintenanceStep, MaintenanceResult> | null = null;
for (let b = Number(first); ; b++) {
  clock = CRASH_BASE + b * CRASH_STEP;
  db.write(crashBatch(b));
  // stdout is a pipe: synchronous on Linux, so the line is out before the next write starts.
  process.stdout.write(`ack ${b}\n`);
  maintenance ??= db.maintenance(clock);
  if (maintenance.next().done) maintenance = null;
}
