import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHelpQueryGpu, queryFields } from '../../../../agent/collectors/gpu/fields.js';

const CAPTURES = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-captures');

function helpSection(file: string): string {
  const text = readFileSync(`${CAPTURES}/${file}`, 'utf8');
  const start = text.indexOf('List of valid properties to query for the switch "--query-gpu"');
  return text.slice(start, text.indexOf('# capabilities :: help-query-compute-apps'));
}

describe('query field discovery', () => {
  it('reads field names and aliases from the real --help-query-gpu text', () => {
    const fields = parseHelpQueryGpu(helpSection('linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt'));
    expect(fields.has('power.draw')).toBe(true);
    expect(fields.has('power.draw.instant')).toBe(true);
    expect(fields.has('clocks_event_reasons.active')).toBe(true);
    expect(fields.has('gpu_uuid')).toBe(true);
    expect(fields.size).toBeGreaterThan(150);
  });

  it('asks only for fields the driver has, using the older throttle name where needed', () => {
    const old = new Set(['index', 'uuid', 'name', 'power.draw', 'clocks_throttle_reasons.active', 'memory.used']);
    expect(queryFields(old)).toEqual(['index', 'uuid', 'name', 'power.draw', 'memory.used', 'clocks_throttle_reasons.active']);
  });
});
