import { describe, expect, it } from 'vitest';
import { parseGpuList } from '../../../../agent/collectors/gpu/parse-list.js';
import { captureFiles, captureSection } from './captures.js';

const MASKED = 'GPU-00000000-0000-0000-0000-000000000000';

// GPU name and MIG profiles as printed in each capture's `capabilities :: list (-L)` section.
const CASES: [string, string, string[]][] = [
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__595.71.05.txt', 'NVIDIA GeForce RTX 2080 SUPER', []],
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04.txt', 'NVIDIA GeForce RTX 2080 SUPER', []],
  ['linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05.txt', 'NVIDIA GeForce RTX 4080 SUPER', []],
  ['linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt', 'NVIDIA H100 80GB HBM3', []],
  ['linux-x86_64__nvidia-h100-mig__590.48.01.txt', 'NVIDIA H100 80GB HBM3', ['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']],
  ['linux-x86_64__nvidia-h200-mig__590.48.01.txt', 'NVIDIA H200', ['1c.3g.71gb', '2c.3g.71gb', '2g.35gb', '1g.18gb', '1g.18gb']],
  ['linux-x86_64__nvidia-h200__590.48.01.txt', 'NVIDIA H200', []],
  ['linux-x86_64__nvidia-l40s__595.80.txt', 'NVIDIA L40S', []],
  ['windows-x86_64__nvidia-geforce-rtx-2080-super__591.86.txt', 'NVIDIA GeForce RTX 2080 SUPER', []],
  ['windows-x86_64__nvidia-geforce-rtx-2080-super__610.62.txt', 'NVIDIA GeForce RTX 2080 SUPER', []],
];

describe('nvidia-smi -L parser', () => {
  it('has a case for every capture', () => {
    expect(CASES.map(([f]) => f).sort()).toEqual(captureFiles().sort());
  });

  it.each(CASES)('%s', (file, name, profiles) => {
    const [gpu, ...rest] = parseGpuList(captureSection(file, 'capabilities :: list (-L)'));
    expect(rest).toEqual([]);
    expect(gpu).toMatchObject({ index: 0, name, uuid: MASKED });
    expect(gpu!.mig.map((m) => m.profile)).toEqual(profiles);
    expect(gpu!.mig.map((m) => m.device)).toEqual(profiles.map((_, i) => i));
  });

  it('keeps each MIG UUID with its device', () => {
    const [gpu] = parseGpuList(captureSection('linux-x86_64__nvidia-h100-mig__590.48.01.txt', 'capabilities :: list (-L)'));
    // `  MIG 2g.20gb     Device  1: (UUID: MIG-00000001-0000-0000-0000-000000000001)`
    expect(gpu!.mig[1]).toEqual({ device: 1, profile: '2g.20gb', uuid: 'MIG-00000001-0000-0000-0000-000000000001' });
  });

  it('lists nothing for a driver error', () => {
    expect(parseGpuList('No devices were found')).toEqual([]);
  });
});
