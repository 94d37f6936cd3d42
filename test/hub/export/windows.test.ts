import { describe, expect, it } from 'vitest';
import { defaultExportStep, exportRange } from '../../../hub/export/range.js';
import { stepWindows, windowSteps } from '../../../hub/export/windows.js';

describe('export windows and ranges', () => {
  it('cuts a range into adjacent windows of whole steps', () => {
    const step = 60_000;
    const ws = [...stepWindows(1_000, 1_000 + 250 * step + 5, step, 100)];
    expect(ws.map((w) => [w.start, w.end])).toEqual([
      [1_000, 1_000 + 100 * step],
      [1_000 + 100 * step, 1_000 + 200 * step],
      [1_000 + 200 * step, 1_000 + 250 * step + 5],
    ]);
    expect(windowSteps(1000)).toBe(3600);
    expect(windowSteps(3_600_000)).toBe(32);
  });

  it('picks a default step per span, aligns the start, and names the parameter it refuses', () => {
    expect(defaultExportStep(3_600_000)).toBe('1m');
    expect(defaultExportStep(7 * 86_400_000)).toBe('5m');
    expect(defaultExportStep(30 * 86_400_000)).toBe('15m');
    const now = Date.parse('2026-01-10T12:34:56Z');
    const r = exportRange({ period: '1m' }, now);
    expect(r.step).toBe(15 * 60_000);
    expect(r.start % r.step).toBe(0);
    expect(r.start).toBeLessThanOrEqual(now - 30 * 86_400_000);
    expect(r.end).toBe(now);
    expect(exportRange({ start_time: '2026-01-01T00:07:00Z', end_time: '2026-01-01T06:00:00Z', step: '1h' }, now).start).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(() => exportRange({ period: '1w', step: '1s' }, now)).toThrow(/^step:/);
  });
});
