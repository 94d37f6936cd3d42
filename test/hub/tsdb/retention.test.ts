import { describe, expect, it } from 'vitest';
import { DAY, DEFAULT_RETENTION, HOUR, MINUTE, resolveOptions } from '../../../hub/tsdb/options.js';
import { retentionPlan } from '../../../hub/tsdb/retention.js';
import { chooseTier } from '../../../hub/tsdb/tiers.js';

// 2026-01-10T12:30:00Z
const now = Date.UTC(2026, 0, 10, 12, 30);

describe('retentionPlan', () => {
  it('expires whole blocks once their end is older than the retention (defaults 7d / 90d / 2y)', () => {
    const plan = retentionPlan(DEFAULT_RETENTION, HOUR, now);
    // raw: now - 7 d = 2026-01-03T12:30 -> the 11:00 chunk ends at 12:00 (gone), the 12:00 chunk ends 13:00 (kept).
    expect(plan.raw).toBe(Date.UTC(2026, 0, 3, 12));
    // 1 m blocks are per chunk window too: now - 90 d = 2025-10-12T12:30.
    expect(plan['1m']).toBe(Date.UTC(2025, 9, 12, 12));
    // 1 h blocks are per day: now - 730 d = 2024-01-11T12:30, so the 2024-01-10 block (ends 01-11 00:00) goes.
    expect(plan['1h']).toBe(Date.UTC(2024, 0, 11));
  });

  it('follows a configured retention and window', () => {
    const opts = resolveOptions({ retention: { raw: '2d', '1m': '30d', '1h': '1y' }, chunkWindow: '2h' });
    const plan = retentionPlan(opts.retention, opts.chunkWindow, now);
    expect(plan.raw).toBe(Date.UTC(2026, 0, 8, 12));
    expect(plan['1m']).toBe(Date.UTC(2025, 11, 11, 12));
    expect(plan['1h']).toBe(Date.UTC(2025, 0, 10));
  });

  it('rejects chunk windows a 1 h bucket or a day would straddle', () => {
    expect(() => resolveOptions({ chunkWindow: '30m' })).toThrow(/chunkWindow/);
    expect(() => resolveOptions({ chunkWindow: '5h' })).toThrow(/chunkWindow/);
    expect(resolveOptions({ chunkWindow: '6h' }).chunkWindow).toBe(6 * HOUR);
  });
});

describe('chooseTier', () => {
  const r = DEFAULT_RETENTION;
  it.each([
    ['1 s step over the last hour', 1000, now - HOUR, 'raw'],
    ['1 m step over the last hour', MINUTE, now - HOUR, '1m'],
    ['5 m step', 5 * MINUTE, now - HOUR, '1m'],
    ['90 s step: 1 m buckets would straddle steps', 90_000, now - HOUR, 'raw'],
    ['1 h step', HOUR, now - DAY, '1h'],
    ['1 d step', DAY, now - 30 * DAY, '1h'],
    ['1 s step, 30 days back: raw is gone, 1 m is the finest left', 1000, now - 30 * DAY, '1m'],
    ['1 m step, 1 year back: only 1 h is left', MINUTE, now - 365 * DAY, '1h'],
    ['1 m step, 3 years back: nothing covers it, the longest-kept tier', MINUTE, now - 3 * 365 * DAY, '1h'],
  ] as const)('%s -> %s', (_name, step, start, tier) => {
    expect(chooseTier(r, step, start, now)).toBe(tier);
  });
});
