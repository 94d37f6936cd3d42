import { describe, expect, it } from 'vitest';
import { isNoValue, parseBytes, parseNumber } from '../../shared/units.js';

describe('units', () => {
  it.each([
    '[N/A]',
    'N/A',
    '[Not Supported]',
    '[Requested functionality has been deprecated]',
    '[Function Not Found]',
    'na',
    'no reading',
    'Disabled',
    '',
    '   ',
  ])('treats %j as no value', (raw) => {
    expect(isNoValue(raw)).toBe(true);
    expect(parseNumber(raw)).toBeNull();
  });

  it.each([
    ['39.32 W', 39.32],
    ['575 MiB', 575],
    ['38 %', 38],
    ['1980 MHz', 1980],
    ['0', 0],
    ['-12.5', -12.5],
    ['0x0000', 0],
    ['0x233010DE', 0x233010de],
    ['1e3', 1000],
  ])('parses %j as %d', (raw, value) => {
    expect(parseNumber(raw)).toBe(value);
  });

  it('rejects text that is not a number', () => {
    expect(parseNumber('Enabled')).toBeNull();
    expect(parseNumber('P0')).toBeNull();
  });

  it('converts memory sizes to bytes', () => {
    expect(parseBytes('575 MiB')).toBe(575 * 1024 * 1024);
    expect(parseBytes('80 GiB')).toBe(80 * 1024 ** 3);
    expect(parseBytes('81559', 'MiB')).toBe(81559 * 1024 * 1024);
    expect(parseBytes('[N/A]', 'MiB')).toBeNull();
  });
});
