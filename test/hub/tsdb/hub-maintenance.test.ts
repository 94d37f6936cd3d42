import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubFiles } from '../../../hub/core/paths.js';
import { HOUR } from '../../../hub/tsdb/options.js';
import { openTsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { startTestHub } from '../../helpers/hub.js';

const SERIES = 200;
// A whole window that ended two hours ago: due for sealing whenever the test runs.
const WINDOW = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

/** A hub data dir whose tsdb holds an hour of SERIES series in its head; returns the samples written. */
function prepare(dataDir: string): number {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openTsdb(hubFiles(dataDir).tsdb);
  let written = 0;
  for (let ts = WINDOW; ts < WINDOW + HOUR; ts += 1000) {
    const rows: TsdbRow[] = Array.from({ length: SERIES }, (_, s) => ({ metric: 'gpu_power_watts', labels: { node: 'n1', gpu: String(s) }, ts, value: s + (ts - WINDOW) / 1e6 }));
    written += db.write(rows).written;
  }
  db.close();
  return written;
}

/** Samples a read finds (a sample both sealed and still in the head log is one sample), and the head's. */
function storedSamples(dataDir: string): { samples: number; headSamples: number } {
  const db = openTsdb(hubFiles(dataDir).tsdb);
  try {
    const samples = db.findSeries('gpu_power_watts', []).reduce((n, ref) => n + db.readSamples(ref.id, 0, 1e13).ts.length, 0);
    return { samples, headSamples: db.stats().headSamples };
  } finally {
    db.close();
  }
}

describe("the hub's store maintenance", () => {
  it('seals through the sliced path, and a stop during a run aborts it between steps and loses nothing', { timeout: 300_000 }, async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-maint-')), 'data');
    const written = prepare(dataDir);

    // Stopped while maintenance runs: the store closes only after the run gave up between two steps.
    let th = await startTestHub({ dataDir });
    const running = th.hub.maintain();
    await th.hub.stop();
    await running;
    expect(th.logs.text()).not.toMatch(/store maintenance failed/);
    // stop() aborted after the run's first slice (~5 ms, synchronous in maintain()): far from the whole seal's work.
    const interrupted = storedSamples(dataDir);
    expect(interrupted.samples).toBe(written);
    expect(interrupted.headSamples).toBeGreaterThan(0);

    // Run to the end: the window is sealed, nothing left in the head, nothing lost.
    th = await startTestHub({ dataDir });
    await th.hub.maintain();
    await th.hub.stop();
    expect(th.logs.text()).not.toMatch(/store maintenance failed/);
    expect(storedSamples(dataDir)).toEqual({ samples: written, headSamples: 0 });
  });
});
