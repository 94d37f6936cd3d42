import { describe, expect, it } from 'vitest';
import { computeAppRow, parseComputeApps } from '../../../../agent/collectors/gpu-processes/parse-compute-apps.js';
import { captureSection } from './capture-section.js';

const MiB = 1024 * 1024;
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';
const section = (phase: string) => `${phase} :: query-compute-apps (per-process)`;

// [capture, phase, [pid, used MiB or null]...], read by eye from each capture's
// `nvidia-smi --query-compute-apps=timestamp,gpu_name,gpu_bus_id,gpu_serial,gpu_uuid,pid,process_name,used_gpu_memory --format=csv` section.
const CASES: [string, 'idle' | 'load', [number, number | null][]][] = [
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__595.71.05', 'idle', []],
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__595.71.05', 'load', [[5268, 370], [5267, 230]]],
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04', 'idle', []],
  ['linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04', 'load', [[28512, 370], [28511, 230]]],
  ['linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05', 'idle', [[2165, 25]]],
  ['linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05', 'load', [[2165, 25], [5022, 503], [5021, 360]]],
  ['linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01', 'idle', []],
  ['linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01', 'load', [[11327, 2566], [11328, 1542], [11345, 15690]]],
  ['linux-x86_64__nvidia-h100-mig__590.48.01', 'idle', []],
  ['linux-x86_64__nvidia-h100-mig__590.48.01', 'load', [[21180, 2296], [21181, 1272], [21198, 7484]]],
  ['linux-x86_64__nvidia-h200-mig__590.48.01', 'idle', []],
  ['linux-x86_64__nvidia-h200-mig__590.48.01', 'load', [[12249, 2194], [12250, 1170], [12267, 13526]]],
  ['linux-x86_64__nvidia-h200__590.48.01', 'idle', []],
  ['linux-x86_64__nvidia-h200__590.48.01', 'load', [[10291, 2566], [10293, 1542], [10309, 28234]]],
  ['linux-x86_64__nvidia-l40s__595.80', 'idle', []],
  ['linux-x86_64__nvidia-l40s__595.80', 'load', [[20037, 538], [20038, 681]]],
  // WDDM: no per-process memory, `[N/A]` on every row.
  ['windows-x86_64__nvidia-geforce-rtx-2080-super__591.86', 'idle', [12444, 15076, 2056, 12332, 20372, 4680, 14160, 14184, 16280, 24804].map((p) => [p, null])],
  ['windows-x86_64__nvidia-geforce-rtx-2080-super__591.86', 'load', [12444, 15076, 2056, 12332, 20372, 4680, 14160, 14184, 16280, 24804, 25704, 26660].map((p) => [p, null])],
  [
    'windows-x86_64__nvidia-geforce-rtx-2080-super__610.62',
    'idle',
    [2140, 13264, 13504, 13160, 14872, 14808, 16760, 17648, 15964, 17840, 19052, 20440, 21912, 22412, 23480, 23988, 19956, 2164, 13092].map((p) => [p, null]),
  ],
  [
    'windows-x86_64__nvidia-geforce-rtx-2080-super__610.62',
    'load',
    [2140, 13264, 13504, 13160, 14872, 14808, 16760, 17648, 15964, 17840, 19052, 20440, 21912, 22412, 23480, 23988, 19956, 2164, 13092, 12940, 13820].map((p) => [p, null]),
  ],
];

describe('parseComputeApps on every capture (header and units on)', () => {
  it.each(CASES)('%s %s', (capture, phase, expected) => {
    const apps = parseComputeApps(captureSection(capture, section(phase)));
    expect(apps.map((a) => [a.pid, a.usedMemoryBytes === null ? null : a.usedMemoryBytes / MiB])).toEqual(expected);
    for (const a of apps) expect(a.gpuUuid).toBe(UUID);
  });

  it('keeps process names, including Windows paths with spaces and parentheses', () => {
    const apps = parseComputeApps(captureSection('windows-x86_64__nvidia-geforce-rtx-2080-super__610.62', section('idle')));
    expect(apps.find((a) => a.pid === 17840)?.processName).toBe('C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\149.0.4022.80\\msedgewebview2.exe');
    const h100 = parseComputeApps(captureSection('linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01', section('load')));
    expect(h100.map((a) => a.processName)).toEqual(['/root/tools/memhog', '/root/tools/memhog', './gpu_burn']);
  });
});

describe('the agent’s own query: pid,gpu_uuid,used_memory --format=csv,noheader,nounits', () => {
  const FIELDS = ['pid', 'gpu_uuid', 'used_memory'];

  it('reads the H100 load rows as nvidia-smi prints them without header and units', () => {
    // The capture's rows reduced to the three asked-for cells, units dropped (what `nounits` prints).
    const text = `11327, ${UUID}, 2566\n11328, ${UUID}, 1542\n11345, ${UUID}, 15690\n`;
    expect(parseComputeApps(text, FIELDS)).toEqual([
      { pid: 11327, gpuUuid: UUID, usedMemoryBytes: 2566 * MiB },
      { pid: 11328, gpuUuid: UUID, usedMemoryBytes: 1542 * MiB },
      { pid: 11345, gpuUuid: UUID, usedMemoryBytes: 15690 * MiB },
    ]);
  });

  it('maps [N/A] memory to null, never 0', () => {
    expect(computeAppRow(FIELDS, `12444, ${UUID}, [N/A]`)).toEqual({ pid: 12444, gpuUuid: UUID, usedMemoryBytes: null });
  });

  it('returns nothing for empty output and for "No running processes found"', () => {
    expect(parseComputeApps('', FIELDS)).toEqual([]);
    expect(parseComputeApps('No running processes found\n', FIELDS)).toEqual([]);
    expect(parseComputeApps('No running processes found\n')).toEqual([]);
    expect(computeAppRow(FIELDS, '')).toBeNull();
  });

  it('folds commas inside a process name back into that cell', () => {
    // Constructed: a Windows path may contain a comma; only the name column can.
    const row = computeAppRow(['pid', 'process_name', 'used_gpu_memory [MiB]'], '4242, C:\\Games\\Foo, Bar\\foo.exe, 512 MiB');
    expect(row).toEqual({ pid: 4242, gpuUuid: '', usedMemoryBytes: 512 * MiB, processName: 'C:\\Games\\Foo,Bar\\foo.exe' });
  });

  it('rejects a row with the wrong number of cells', () => {
    expect(() => computeAppRow(FIELDS, `11327, ${UUID}`)).toThrow(/2 cells, expected 3/);
  });
});
