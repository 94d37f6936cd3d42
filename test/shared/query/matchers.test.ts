import { describe, expect, it } from 'vitest';
import { matches, matchesAll, parseLabelFlag, parseSelector } from '../../../shared/query/matchers.js';

describe('selectors and label flags', () => {
  it.each([
    ['gpu_power_watts', { metric: 'gpu_power_watts', matchers: [] }],
    ['gpu_power_watts{}', { metric: 'gpu_power_watts', matchers: [] }],
    [
      'gpu_power_watts{gpu="0", node=~"gpu-0[1-4]",x!="a\\"b"}',
      {
        metric: 'gpu_power_watts',
        matchers: [
          { label: 'gpu', op: '=', value: '0' },
          { label: 'node', op: '=~', value: 'gpu-0[1-4]' },
          { label: 'x', op: '!=', value: 'a"b' },
        ],
      },
    ],
    ['ipmi_power_watts{sensor!~"PSU.*"}', { metric: 'ipmi_power_watts', matchers: [{ label: 'sensor', op: '!~', value: 'PSU.*' }] }],
  ])('parses %s', (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
  });

  it.each([
    ['gpu power', /invalid selector/],
    ['m{gpu=0}', /invalid label matcher/],
    ['m{gpu="0"', /invalid selector/],
    ['m{sensor=~"("}', /invalid regular expression/],
  ])('rejects %s', (text, error) => {
    expect(() => parseSelector(text)).toThrow(error);
  });

  it.each([
    ['gpu=0', { label: 'gpu', op: '=', value: '0' }],
    ['sensor=~PSU.*', { label: 'sensor', op: '=~', value: 'PSU.*' }],
    ['zone!=package-0', { label: 'zone', op: '!=', value: 'package-0' }],
    ['node!~gpu-0[12]', { label: 'node', op: '!~', value: 'gpu-0[12]' }],
    ['uuid=GPU-a=b', { label: 'uuid', op: '=', value: 'GPU-a=b' }],
  ])('parses --label %s', (text, expected) => {
    expect(parseLabelFlag(text)).toEqual(expected);
  });

  it('rejects label flags without an operator or with a bad regex', () => {
    expect(() => parseLabelFlag('gpu')).toThrow(/expected name=value/);
    expect(() => parseLabelFlag('node=~[')).toThrow(/invalid regular expression/);
  });
});

describe('matching', () => {
  const labels = { node: 'gpu-01', sensor: 'PSU1_Power' };

  it.each([
    [{ label: 'node', op: '=', value: 'gpu-01' }, true],
    [{ label: 'node', op: '!=', value: 'gpu-01' }, false],
    // Anchored like PromQL: "gpu-0" does not match "gpu-01".
    [{ label: 'node', op: '=~', value: 'gpu-0' }, false],
    [{ label: 'node', op: '=~', value: 'gpu-0.' }, true],
    [{ label: 'sensor', op: '!~', value: 'PSU.*' }, false],
    // A missing label reads as "".
    [{ label: 'pod', op: '=', value: '' }, true],
    [{ label: 'pod', op: '=~', value: '.+' }, false],
  ] as const)('%o -> %s', (m, expected) => {
    expect(matches(labels, m)).toBe(expected);
  });

  it('needs every matcher to match', () => {
    expect(matchesAll(labels, [])).toBe(true);
    expect(matchesAll(labels, [{ label: 'node', op: '=', value: 'gpu-01' }, { label: 'sensor', op: '=~', value: 'PSU.*' }])).toBe(true);
    expect(matchesAll(labels, [{ label: 'node', op: '=', value: 'gpu-01' }, { label: 'sensor', op: '=', value: 'x' }])).toBe(false);
  });
});
