import { describe, expect, it } from 'vitest';
import { safeText } from '../../../shared/schema/safe-text.js';

describe('safeText', () => {
  it.each([
    ['markup', '<img src=x onerror=alert(1)>', 'img src=x onerror=alert(1)'],
    ['quotes and ampersands', `a "b" 'c' \`d\` & e`, 'a b c d  e'],
    ['control characters', 'CPU\u0000 Temp\u0007\r\n', 'CPU Temp'],
    ['bidi overrides and zero-width characters', 'Fan\u202e1\u200b', 'Fan1'],
    ['a lone surrogate', 'x\ud800y', 'xy'],
    ['plain names untouched', 'PS1 Status +3.3V (°C) 😀', 'PS1 Status +3.3V (°C) 😀'],
  ])('removes %s', (_what, input, output) => {
    expect(safeText(input, 100)).toBe(output);
  });

  it('cuts to max characters with an ellipsis, never between the halves of a surrogate pair', () => {
    expect(safeText('x'.repeat(10), 5)).toBe('xxxx…');
    expect(safeText('x'.repeat(5), 5)).toBe('xxxxx');
    expect(safeText('abc😀😀', 5)).toBe('abc…');
  });

  it('reads no more than 4 x max characters of a huge string', () => {
    expect(safeText(`${'<'.repeat(32)}${'x'.repeat(10_000_000)}`, 8)).toBe('');
    expect(safeText(`${'<'.repeat(31)}${'x'.repeat(10_000_000)}`, 8)).toBe('x');
  });
});
