import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePmon, pmonRow } from '../../../../agent/collectors/gpu-processes/parse-pmon.js';
import { FIXTURES } from './capture-section.js';

type Busy = [number, number | null, number | null, number | null, number | null];

// [file, data rows, distinct pids (null: the "no process" row), rows with any reading as [pid, sm, mem, enc, dec]],
// read from each nvidia-smi pmon -c 5 fixture; every other cell is `-`.
const CASES: [string, number, (number | null)[], Busy[]][] = [
  ['h100-80gb-hbm3-590.48.01-idle-pmon-c5', 5, [null], []],
  ['h100-80gb-hbm3-590.48.01-load-pmon-c5', 15, [11327, 11328, 11345], Array.from({ length: 5 }, (): Busy => [11345, 99, 10, null, null])],
  ['h100-mig-590.48.01-idle-pmon-c5', 5, [null], []],
  // MIG: processes are listed, SM% is never measured.
  ['h100-mig-590.48.01-load-pmon-c5', 15, [21180, 21181, 21198], []],
  ['h200-590.48.01-idle-pmon-c5', 5, [null], []],
  [
    'h200-590.48.01-load-pmon-c5',
    15,
    [10291, 10293, 10309],
    [
      [10309, 99, 7, null, null],
      [10309, 99, 7, null, null],
      [10309, 99, 7, null, null],
      [10291, 19, 1, null, null],
      [10309, 79, 5, null, null],
      [10309, 99, 7, null, null],
    ],
  ],
  ['h200-mig-590.48.01-idle-pmon-c5', 5, [null], []],
  ['h200-mig-590.48.01-load-pmon-c5', 15, [12249, 12250, 12267], []],
  ['l40s-595.80-idle-pmon-c5', 5, [null], []],
  [
    'l40s-595.80-load-pmon-c5',
    10,
    [20037, 20038],
    [
      [20037, 2, 0, 24, null],
      [20038, 6, 0, 40, null],
      [20037, 2, 0, 27, null],
      [20038, 5, 0, 34, null],
      [20037, 1, 0, 28, null],
      [20038, 8, 0, 37, null],
      [20037, 0, 0, 13, null],
      [20038, 7, 0, 49, null],
      [20037, 2, 0, 21, null],
      [20038, 5, 0, 42, null],
    ],
  ],
  ['rtx2080super-591.86-windows-idle-pmon-c5', 50, [2056, 4680, 12332, 12444, 14160, 14184, 15076, 16280, 20372, 24804], []],
  [
    'rtx2080super-591.86-windows-load-pmon-c5',
    60,
    [2056, 4680, 12332, 12444, 14160, 14184, 15076, 16280, 20372, 24804, 25704, 26660],
    [
      [25704, 3, 1, 49, null],
      [26660, 3, 1, 49, null],
      [25704, 3, 1, null, null],
      [26660, 3, 1, 99, null],
      [25704, 7, 2, null, null],
      [26660, null, null, 99, null],
      [25704, 7, 2, null, null],
      [26660, null, null, 99, null],
      [25704, 7, 2, null, null],
      [26660, null, null, 99, null],
    ],
  ],
  ['rtx2080super-595.71.05-linux-idle-pmon-c5', 10, [1696, 4584], []],
  [
    'rtx2080super-595.71.05-linux-load-pmon-c5',
    20,
    [1696, 4584, 5267, 5268],
    [
      [5267, 7, 3, 99, null],
      [5267, 8, 3, 99, null],
      [5267, null, null, 99, null],
      [5268, 7, 3, null, null],
      [5268, 7, 3, 99, null],
      [5268, 7, 3, 99, null],
    ],
  ],
  ['rtx2080super-610.57.04-linux-idle-pmon-c5', 10, [1720, 4556], []],
  [
    'rtx2080super-610.57.04-linux-load-pmon-c5',
    20,
    [1720, 4556, 28511, 28512],
    [
      [28511, 3, 1, 49, null],
      [28512, 3, 1, 49, null],
      [28511, 3, 1, 49, null],
      [28512, 3, 1, 49, null],
      [28511, 3, 1, null, null],
      [28512, 3, 1, 99, null],
      [28511, null, null, 49, null],
      [28512, 7, 2, 49, null],
      [28511, 3, 1, 99, null],
      [28512, 3, 1, null, null],
    ],
  ],
  ['rtx2080super-610.62-windows-idle-pmon-c5', 95, [2140, 2164, 13092, 13160, 13264, 13504, 14808, 14872, 15964, 16760, 17648, 17840, 19052, 19956, 20440, 21912, 22412, 23480, 23988], []],
  [
    'rtx2080super-610.62-windows-load-pmon-c5',
    105,
    [2140, 2164, 12940, 13092, 13160, 13264, 13504, 13820, 14808, 14872, 15964, 16760, 17648, 17840, 19052, 19956, 20440, 21912, 22412, 23480, 23988],
    [
      [12940, null, null, 99, null],
      [13820, 7, 3, null, null],
      [12940, 7, 3, null, null],
      [13820, null, null, 99, null],
      [12940, 3, 1, 49, null],
      [13820, 3, 1, 49, null],
      [12940, 3, 1, 99, null],
      [13820, 3, 1, null, null],
      [12940, 3, 1, 49, null],
      [13820, 3, 1, 49, null],
    ],
  ],
  ['rtx4080super-595.71.05-linux-idle-pmon-c5', 25, [2165, 2496, 2620, 2954, 3527], []],
  [
    'rtx4080super-595.71.05-linux-load-pmon-c5',
    35,
    [2165, 2496, 2620, 2954, 3527, 5021, 5022],
    [
      [2165, null, null, null, 0],
      [5021, 0, 0, 15, null],
      [5022, 5, 1, 54, null],
      [2165, null, null, null, 0],
      [5021, 1, 0, 28, null],
      [5022, 4, 1, 42, null],
      [2165, null, null, null, 0],
      [5021, null, null, 42, null],
      [5022, 6, 2, 27, null],
      [2165, null, null, null, 0],
      [5021, 3, 1, 42, null],
      [5022, 2, 0, 28, null],
      [2165, null, null, null, 0],
      [5021, 2, 0, 14, null],
      [5022, 3, 1, 55, null],
    ],
  ],
];

const read = (file: string) => readFileSync(resolve(FIXTURES, 'nvidia-smi-dmon', `${file}.txt`), 'utf8');

describe('parsePmon on every nvidia-smi pmon -c 5 fixture', () => {
  it.each(CASES)('%s', (file, count, pids, busy) => {
    const rows = parsePmon(read(file));
    expect(rows).toHaveLength(count);
    expect(rows.every((r) => r.gpu === 0)).toBe(true);
    expect([...new Set(rows.map((r) => r.pid))].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(pids);
    const withReading = rows.filter((r) => [r.sm, r.mem, r.enc, r.dec, r.jpg, r.ofa].some((v) => v !== null));
    expect(withReading.map((r): Busy => [r.pid!, r.sm, r.mem, r.enc, r.dec])).toEqual(busy);
    expect(rows.every((r) => r.jpg === null && r.ofa === null)).toBe(true);
  });

  it('reads type and command, commands with spaces included (Windows, 610.62)', () => {
    const rows = parsePmon(read('rtx2080super-610.62-windows-load-pmon-c5'));
    expect(rows.find((r) => r.pid === 17648)).toMatchObject({ type: 'C+G', command: 'NVIDIA Overlay.' });
    expect(rows.find((r) => r.pid === 12940)).toMatchObject({ type: 'C', command: 'ffmpeg.exe' });
  });

  it('reads the "no process" row as all null', () => {
    expect(parsePmon(read('h100-80gb-hbm3-590.48.01-idle-pmon-c5'))[0]).toEqual({
      gpu: 0, pid: null, type: null, sm: null, mem: null, enc: null, dec: null, jpg: null, ofa: null, command: null,
    });
  });

  it('follows the header, so a driver without jpg/ofa columns parses too', () => {
    // The H100 gpu_burn row with the jpg/ofa columns removed, as drivers before them print it.
    const rows = parsePmon('# gpu        pid  type    sm   mem   enc   dec   command\n    0      11345     C     99     10      -      -    gpu_burn\n');
    expect(rows).toEqual([{ gpu: 0, pid: 11345, type: 'C', sm: 99, mem: 10, enc: null, dec: null, jpg: null, ofa: null, command: 'gpu_burn' }]);
  });

  it('ignores lines that are not rows', () => {
    expect(pmonRow(['gpu', 'pid', 'type', 'sm', 'command'], 'Failed to initialize NVML: Driver/library version mismatch')).toBeNull();
  });
});
