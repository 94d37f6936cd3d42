import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../../hub/tsdb/options.js';
import { retentionPlan } from '../../../hub/tsdb/retention.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { crashBatch, CRASH_BASE, CRASH_STEP } from './helpers/crash-batches.js';
import { integrityCheck, tmpDbPath } from './helpers/tmp.js';
import { prng } from './helpers/workload.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writer = fileURLToPath(new URL('./helpers/crash-writer.ts', import.meta.url));
const stepsWriter = fileURLToPath(new URL('./helpers/steps-writer.ts', import.meta.url));

/**
 * Runs the writer from `first` until a SIGKILL once `acks` batches were acknowledged (the child runs on
 * meanwhile, so the kill lands anywhere in its work); returns the acknowledged batches.
 */
async function runAndKill(file: string, first: number, acks: number, program: string): Promise<number[]> {
  const child = execa(process.execPath, ['--import', 'tsx', program, file, String(first)], { cwd: repoRoot, reject: false, buffer: false });
  const acked: number[] = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^ack (\d+)$/.exec(line);
      if (m && acked.push(Number(m[1])) === acks) child.kill('SIGKILL');
    }
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const result = await child;
  expect(result.signal, stderr).toBe('SIGKILL');
  return acked;
}

/**
 * Every acknowledged batch is readable with its values, except samples the
 * writer's retention may rightly have deleted (older than the raw tier keeps
 * at the newest batch's clock: a fast machine writes more than the 7 days of
 * minutes the raw tier holds); returns how many samples were checked.
 */
function verify(file: string, acked: Set<number>): number {
  const opts = resolveOptions();
  const kept = retentionPlan(opts.retention, opts.chunkWindow, CRASH_BASE + Math.max(...acked) * CRASH_STEP).raw;
  const db = openTsdb(file, { sealDelay: 0 });
  try {
    const stored = new Map<string, number>();
    for (const metric of ['test_power_watts', 'test_energy_total']) {
      for (const ref of db.findSeries(metric, [])) {
        const s = db.readSamples(ref.id, 0, 1e13);
        s.ts.forEach((t, i) => stored.set(`${metric}/${ref.labels.idx}/${t}`, s.values[i]!));
      }
    }
    let checked = 0;
    for (const b of acked) {
      for (const row of crashBatch(b)) {
        if (row.ts < kept) continue;
        expect(stored.get(`${row.metric}/${row.labels!.idx}/${row.ts}`), `batch ${b} ${row.metric} ${row.labels!.idx} @${row.ts}`).toBe(row.value);
        checked++;
      }
    }
    return checked;
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it.each([
    ['sealing and applying retention at once', writer],
    ['running maintenance in steps, a write between every two', stepsWriter],
  ])('loses no acknowledged batch when killed with SIGKILL at random moments, %s', { timeout: 120_000 }, async (_how, program) => {
    const file = tmpDbPath();
    const r = prng(2026);
    const acked = new Set<number>();
    let next = 0;
    for (let run = 0; run < 6; run++) {
      const got = await runAndKill(file, next, 60 + Math.floor(r() * 100), program);
      expect(got.length, `run ${run} acknowledged nothing`).toBeGreaterThan(0);
      for (const b of got) acked.add(b);
      // Restart where the acknowledgements stopped, as an agent resends its unacknowledged batches.
      next = Math.max(...acked) + 1;
      expect(integrityCheck(file)).toBe('ok');
      expect(verify(file, acked)).toBeGreaterThan(0);
      expect(integrityCheck(file)).toBe('ok');
    }
    // Enough batches that the runs sealed windows and merged backfill into them.
    expect(acked.size).toBeGreaterThan(300);
    const db = openTsdb(file, { sealDelay: 0 });
    expect(db.stats().chunks).toBeGreaterThan(0);
    db.close();
  });
});
