import { describe, expect, it } from 'vitest';
import { parseTime, resolveRange } from '../../../shared/query/range.js';

const H = 3_600_000;

describe('ranges', () => {
  it('reads --since back from now and aligns the start down to the step', () => {
    expect(resolveRange({ since: '1h', step: '1m' }, 10 * H + 30_000)).toEqual({ start: 9 * H, end: 10 * H + 30_000, step: 60_000 });
    expect(resolveRange({ since: '15m', step: '10s' }, 10 * H + 4_000)).toEqual({ start: 10 * H - 15 * 60_000, end: 10 * H + 4_000, step: 10_000 });
  });

  it('defaults to the last hour at 1-minute steps', () => {
    expect(resolveRange({}, 10 * H)).toEqual({ start: 9 * H, end: 10 * H, step: 60_000 });
  });

  it('takes --start/--end as ISO 8601 or epoch ms, and --since back from --end', () => {
    expect(resolveRange({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z', step: '5m' })).toEqual({
      start: Date.parse('2026-11-23T10:00:00Z'),
      end: Date.parse('2026-11-23T11:00:00Z'),
      step: 300_000,
    });
    expect(resolveRange({ start: '1795428000000', end: '1795431600000' }).start).toBe(1_795_428_000_000);
    expect(resolveRange({ since: '30m', end: '2026-11-23T11:00:00Z' }).start).toBe(Date.parse('2026-11-23T10:30:00Z'));
  });

  it.each([
    [{ start: 'yesterday' }, /invalid start "yesterday"/],
    [{ start: '1795428000' }, /epoch times are in milliseconds/],
    [{ start: '2026-11-23T11:00:00Z', end: '2026-11-23T10:00:00Z' }, /start must be before end/],
    [{ since: '1d', step: '1ms' }, /too many steps/],
    [{ step: '0s' }, /step must be greater than zero/],
    [{ step: 'soon' }, /invalid duration/],
  ])('rejects %o', (input, error) => {
    expect(() => resolveRange(input, 10 * H)).toThrow(error);
  });

  it('parses times', () => {
    expect(parseTime('2026-11-23T10:00:00.500Z', 'start')).toBe(Date.parse('2026-11-23T10:00:00Z') + 500);
    expect(parseTime('1795428000123', 'end')).toBe(1_795_428_000_123);
  });
});
