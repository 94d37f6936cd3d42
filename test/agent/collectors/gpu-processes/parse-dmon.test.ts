import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDmon } from '../../../../agent/collectors/gpu-processes/parse-dmon.js';
import { FIXTURES } from './capture-section.js';

type Row = [number, number | null, number | null, number | null, number | null, number | null, number | null, number | null, number | null, number | null, number | null, number | null];

// [file, first row (gpu pwr gtemp mtemp sm mem enc dec jpg ofa mclk pclk), pwr of all five rows], read from each file.
const CASES: [string, Row, number[]][] = [
  ['h100-80gb-hbm3-590.48.01-idle-dmon-c5', [0, 69, 41, 47, 0, 0, 0, 0, 0, 0, 2619, 345], [69, 69, 69, 69, 69]],
  ['h100-80gb-hbm3-590.48.01-load-dmon-c5', [0, 631, 63, 57, 100, 10, 0, 0, 0, 0, 2619, 1980], [631, 634, 633, 634, 636]],
  // MIG: no GPU-level utilisation, `-` in sm..ofa.
  ['h100-mig-590.48.01-idle-dmon-c5', [0, 70, 42, 48, null, null, null, null, null, null, 2619, 345], [70, 70, 70, 70, 70]],
  ['h100-mig-590.48.01-load-dmon-c5', [0, 438, 55, 61, null, null, null, null, null, null, 2619, 1980], [438, 440, 437, 439, 439]],
  ['h200-590.48.01-idle-dmon-c5', [0, 77, 28, 31, 0, 0, 0, 0, 0, 0, 3201, 345], [77, 77, 77, 77, 77]],
  ['h200-590.48.01-load-dmon-c5', [0, 630, 53, 41, 100, 8, 0, 0, 0, 0, 3201, 1980], [630, 628, 629, 632, 630]],
  ['h200-mig-590.48.01-idle-dmon-c5', [0, 78, 28, 33, null, null, null, null, null, null, 3201, 345], [78, 78, 78, 78, 78]],
  ['h200-mig-590.48.01-load-dmon-c5', [0, 295, 37, 39, null, null, null, null, null, null, 3201, 1980], [295, 295, 295, 295, 294]],
  // GDDR boards: no memory temperature.
  ['l40s-595.80-idle-dmon-c5', [0, 66, 57, null, 0, 0, 0, 0, 0, 0, 9001, 210], [66, 65, 65, 51, 37]],
  ['l40s-595.80-load-dmon-c5', [0, 109, 53, null, 10, 2, 67, 0, 0, 0, 9001, 2520], [109, 108, 108, 108, 108]],
  ['rtx2080super-591.86-windows-idle-dmon-c5', [0, 38, 40, null, 0, 0, 0, 0, 0, 0, 405, 300], [38, 38, 38, 38, 38]],
  ['rtx2080super-591.86-windows-load-dmon-c5', [0, 97, 45, null, 7, 3, 100, 0, 0, 0, 7500, 2055], [97, 97, 97, 97, 97]],
  ['rtx2080super-595.71.05-linux-idle-dmon-c5', [0, 36, 40, null, 0, 10, 0, 0, 0, 0, 405, 300], [36, 36, 36, 36, 36]],
  ['rtx2080super-595.71.05-linux-load-dmon-c5', [0, 98, 45, null, 8, 3, 100, 0, 0, 0, 7500, 2055], [98, 98, 98, 98, 98]],
  ['rtx2080super-610.57.04-linux-idle-dmon-c5', [0, 38, 33, null, 0, 0, 0, 0, 0, 0, 405, 300], [38, 38, 38, 38, 38]],
  ['rtx2080super-610.57.04-linux-load-dmon-c5', [0, 97, 38, null, 8, 3, 100, 0, 0, 0, 7500, 2070], [97, 97, 97, 97, 97]],
  ['rtx2080super-610.62-windows-idle-dmon-c5', [0, 37, 39, null, 0, 10, 0, 0, 0, 0, 405, 300], [37, 37, 37, 37, 37]],
  ['rtx2080super-610.62-windows-load-dmon-c5', [0, 97, 44, null, 7, 3, 100, 0, 0, 0, 7500, 2040], [97, 97, 97, 98, 97]],
  ['rtx4080super-595.71.05-linux-idle-dmon-c5', [0, 27, 43, null, 0, 16, 0, 0, 0, 0, 405, 210], [27, 26, 25, 26, 26]],
  ['rtx4080super-595.71.05-linux-load-dmon-c5', [0, 83, 46, null, 7, 2, 69, 0, 0, 0, 11251, 2805], [83, 84, 84, 84, 84]],
];

const COLS = ['gpu', 'pwr', 'gtemp', 'mtemp', 'sm', 'mem', 'enc', 'dec', 'jpg', 'ofa', 'mclk', 'pclk'] as const;

describe('parseDmon on every nvidia-smi dmon -c 5 fixture', () => {
  it.each(CASES)('%s', (file, first, pwr) => {
    const rows = parseDmon(readFileSync(resolve(FIXTURES, 'nvidia-smi-dmon', `${file}.txt`), 'utf8'));
    expect(rows).toHaveLength(5);
    expect(COLS.map((c) => rows[0]![c])).toEqual(first);
    expect(rows.map((r) => r.pwr)).toEqual(pwr);
  });

  it('skips a header repeated mid-stream and reads columns by name', () => {
    const text = readFileSync(resolve(FIXTURES, 'nvidia-smi-dmon', 'h100-80gb-hbm3-590.48.01-load-dmon-c5.txt'), 'utf8');
    const [h1, h2, ...rows] = text.split('\n');
    expect(parseDmon([h1, h2, rows[0], h1, h2, rows[1]].join('\n')).map((r) => r.pwr)).toEqual([631, 634]);
  });
});
