import { describe, expect, it } from 'vitest';
import { evaluationRanges, FIELDS_FOR, MAX_STEPS_PER_QUERY, overTime, selectorText } from '../../../hub/remote-read/promql.js';
import { AGGREGATIONS } from '../../../shared/query/types.js';

describe('PromQL of a remote read', () => {
  it('writes the selector with every matcher, values quoted and escaped', () => {
    expect(selectorText('gpu_power_watts', [])).toBe('gpu_power_watts');
    expect(
      selectorText('gpu_power_watts', [
        { label: 'node', op: '=~', value: 'gpu-0[1-4]' },
        { label: 'gpu', op: '!=', value: '0' },
        { label: 'model', op: '=', value: 'say "hi"\\' },
        { label: 'x', op: '!~', value: 'a|b' },
      ]),
    ).toBe('gpu_power_watts{node=~"gpu-0[1-4]",gpu!="0",model="say \\"hi\\"\\\\",x!~"a|b"}');
  });

  it('aggregates a step with *_over_time over [t, t+step): window of one step, shifted by 1 ms, evaluated at the step end', () => {
    expect(overTime('sum', 'm{a="b"}', 60_000)).toBe('sum_over_time(m{a="b"}[60000ms] offset 1ms)');
    expect(evaluationRanges(1_000_000, 1_180_000, 60_000)).toEqual([{ first: 1_060_000, last: 1_180_000 }]);
    // A last, partial step is asked for too.
    expect(evaluationRanges(1_000_000, 1_150_000, 60_000)).toEqual([{ first: 1_060_000, last: 1_180_000 }]);
  });

  it('asks for a long range in pieces of at most MAX_STEPS_PER_QUERY steps, every step once', () => {
    expect(evaluationRanges(0, 7 * 1000, 1000, 3)).toEqual([
      { first: 1000, last: 3000 },
      { first: 4000, last: 6000 },
      { first: 7000, last: 7000 },
    ]);
    const pieces = evaluationRanges(0, 100_000 * 60_000, 60_000);
    expect(pieces).toHaveLength(Math.ceil(100_000 / MAX_STEPS_PER_QUERY));
    for (const p of pieces) expect((p.last - p.first) / 60_000 + 1).toBeLessThanOrEqual(MAX_STEPS_PER_QUERY);
    expect(pieces.reduce((n, p) => n + (p.last - p.first) / 60_000 + 1, 0)).toBe(100_000);
  });

  it('asks for what each aggregation reads', () => {
    expect(Object.keys(FIELDS_FOR).sort()).toEqual([...AGGREGATIONS].sort());
    expect(FIELDS_FOR.avg).toEqual(['sum', 'count']);
    expect(FIELDS_FOR.rate).toEqual(['last']);
  });
});
