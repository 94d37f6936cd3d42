import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../../hub/export/report-source.js';
import { openTsdb, type Tsdb } from '../../../hub/tsdb/store.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WATTS = 300;
/** The hour under way is 20 minutes old: the store has a sample a minute from an hour before it up to now. */
const H = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const NOW = H + 20 * MIN;
const GPU = { cluster: 'c1', node: 'n1', gpu: '0', uuid: 'GPU-0' };
/** What the power exports count (power-rows.ts stepSpan): the whole hour before, and only the elapsed part of the hour under way. */
const ELAPSED_KWH = (WATTS * (HOUR + 20 * MIN)) / 3.6e9;

describe('report energy of the step under way', () => {
  let tsdb: Tsdb;
  beforeAll(() => {
    tsdb = openTsdb(join(mkdtempSync(join(tmpdir(), 'kcloud-report-')), 'tsdb.db'));
    const rows = [];
    for (let ts = H - HOUR; ts < NOW; ts += MIN) rows.push({ metric: 'gpu_power_watts', labels: GPU, ts, value: WATTS });
    expect(tsdb.write(rows).written).toBe(80);
  });
  afterAll(() => tsdb.close());

  const report = (end: number) => buildReport(tsdb, { start: H - HOUR, end, step: HOUR }, { local: tsdb, pricing: { pricePerKwh: 0, currency: 'EUR' }, pods: null, now: NOW });

  // end_time now, and end_time the end of the hour under way (a report of "today so far").
  it.each([
    ['ends now', NOW],
    ['ends after now', H + HOUR],
  ])('counts only the elapsed part of the last step in the fleet, node, GPU and namespace energy (range %s)', async (_name, end) => {
    const r = await report(end);
    expect(r.fleet.energy_kwh).toBeCloseTo(ELAPSED_KWH, 12);
    expect(r.nodes.map((n) => n.energy_kwh)).toEqual([expect.closeTo(ELAPSED_KWH, 12)]);
    expect(r.gpus.map((g) => g.energy_kwh)).toEqual([expect.closeTo(ELAPSED_KWH, 12)]);
    expect(r.namespaces.reduce((a, n) => a + Number(n.energy_kwh), 0)).toBeCloseTo(ELAPSED_KWH, 12);
    // The period stays the one asked for: the steps after now are neither data nor gaps.
    expect([r.period.end, r.fleet.gaps]).toEqual([end, 0]);
  });
});
