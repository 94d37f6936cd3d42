import type { TsdbRow } from '../../../../hub/tsdb/store.js';

/** 2026-01-05T00:00:00Z; batch b is written at CRASH_BASE + b minutes. */
export const CRASH_BASE = Date.UTC(2026, 0, 5);
export const CRASH_STEP = 60_000;
export const CRASH_SERIES = 12;

/**
 * Batch b: one sample per series at minute b, a sample 3 minutes late
 * (in the first minutes of a window, into the window that was just due for
 * sealing: with maintenance in steps, mid-seal), plus, every 3rd batch, a
 * backfill sample 2.5 hours older (a window that is already sealed), so
 * kills also land in chunk merges. Deterministic: a rewrite after a crash
 * writes the same values.
 */
export function crashBatch(b: number): TsdbRow[] {
  const rows: TsdbRow[] = [];
  for (let s = 0; s < CRASH_SERIES; s++) {
    const metric = s % 2 ? 'test_energy_total' : 'test_power_watts';
    const labels = { node: 'crash', idx: String(s) };
    rows.push({ metric, labels, ts: CRASH_BASE + b * CRASH_STEP, value: b + s / 100 });
    if (b >= 3) rows.push({ metric, labels, ts: CRASH_BASE + (b - 3) * CRASH_STEP + 45_000, value: b + 0.5 + s / 100 });
    if (b % 3 === 0 && b >= 150) rows.push({ metric, labels, ts: CRASH_BASE + (b - 150) * CRASH_STEP + 30_000, value: -b - s / 100 });
  }
  return rows;
}
