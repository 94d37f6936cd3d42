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

describe('ranges with PromQL alignment (align end)', () => {
  const D = Date.UTC(2026, 10, 23);

  it('takes start and end as the first and last stamps on the step grid, and reads the samples of the steps they end', () => {
    // Stamps 10:01 ... 11:00: the steps [10:00, 10:01) ... [10:59, 11:00).
    expect(resolveRange({ start: String(D + 10 * H), end: String(D + 11 * H), step: '1m', align: 'end' })).toEqual({ start: D + 10 * H - 60_000, end: D + 11 * H, step: 60_000, align: 'end' });
    // Off the grid: the stamps inside [start, end] are 10:01 ... 10:59.
    expect(resolveRange({ start: String(D + 10 * H + 1), end: String(D + 11 * H - 1), step: '1m', align: 'end' })).toEqual({ start: D + 10 * H, end: D + 11 * H - 60_000, step: 60_000, align: 'end' });
    // --since 1h at 10:00:30: the 60 stamps 9:01 ... 10:00; the step under way (from 10:00) has no end yet and is left out.
    expect(resolveRange({ since: '1h', step: '1m', align: 'end' }, 10 * H + 30_000)).toEqual({ start: 9 * H, end: 10 * H, step: 60_000, align: 'end' });
    // align start is the default.
    expect(resolveRange({ since: '1h', step: '1m', align: 'start' }, 10 * H)).toEqual(resolveRange({ since: '1h', step: '1m' }, 10 * H));
  });

  it('refuses a range that holds no step end', () => {
    expect(() => resolveRange({ start: String(D + 10 * H + 1000), end: String(D + 10 * H + 2000), step: '1m', align: 'end' })).toThrow(/no step ends between start and end/);
  });
});
