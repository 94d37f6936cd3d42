import { describe, expect, it } from 'vitest';
import { parseHelpQueryGpu, queryFields, refusedField, withoutRefusedField } from '../../../../agent/collectors/gpu/fields.js';
import { captureFiles, captureSection } from './captures.js';

const help = (file: string) => parseHelpQueryGpu(captureSection(file, 'capabilities :: help-query-gpu'));

describe('query field discovery', () => {
  it('reads field names and aliases from the real --help-query-gpu text', () => {
    const fields = help('linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt');
    expect(fields.has('power.draw')).toBe(true);
    expect(fields.has('power.draw.instant')).toBe(true);
    // `"clocks_event_reasons.active" or "clocks_throttle_reasons.active"`
    expect(fields.has('clocks_event_reasons.active')).toBe(true);
    expect(fields.has('clocks_throttle_reasons.active')).toBe(true);
    // `"uuid" or "gpu_uuid"`
    expect(fields.has('gpu_uuid')).toBe(true);
    expect(fields.size).toBeGreaterThan(150);
  });

  it.each(captureFiles())('every field the collector wants is offered by %s', (file) => {
    const supported = help(file);
    // All captured drivers (590 to 610) have every wanted field under its newer name.
    expect(queryFields(supported)).toEqual(queryFields(null));
  });

  it('asks only for fields the driver has, using the older throttle name where needed', () => {
    const old = new Set(['index', 'uuid', 'name', 'power.draw', 'clocks_throttle_reasons.active', 'memory.used']);
    expect(queryFields(old)).toEqual(['index', 'uuid', 'power.draw', 'memory.used', 'clocks_throttle_reasons.active']);
  });

  it('reads the refused field from the driver answer and retries without it, or with its older name', () => {
    expect(refusedField('Field "power.draw.instant" is not a valid field to query.\n')).toBe('power.draw.instant');
    expect(refusedField('No devices were found')).toBeNull();
    const fields = ['index', 'uuid', 'power.draw', 'power.draw.instant', 'clocks_event_reasons.active'];
    expect(withoutRefusedField(fields, 'power.draw.instant')).toEqual(['index', 'uuid', 'power.draw', 'clocks_event_reasons.active']);
    expect(withoutRefusedField(fields, 'clocks_event_reasons.active')).toEqual(['index', 'uuid', 'power.draw', 'power.draw.instant', 'clocks_throttle_reasons.active']);
    expect(withoutRefusedField(['index', 'uuid', 'clocks_throttle_reasons.active'], 'clocks_throttle_reasons.active')).toEqual(['index', 'uuid']);
    expect(() => withoutRefusedField(fields, 'uuid')).toThrow(/refuses the query field "uuid"/);
  });
});
