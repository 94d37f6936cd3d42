import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowToSamples } from '../../../../agent/collectors/gpu/fields.js';
import { fieldName, parseQueryCsv, rowToRecord } from '../../../../agent/collectors/gpu/parse-csv.js';

const CSV = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-csv');
const MiB = 1024 * 1024;

type Expect = { power: number | null; util: number | null; memUsedMiB: number; temp: number | null; fan: number | null };

// Expected values read from the fixture files (first GPU row of each).
const CASES: [string, number, Expect][] = [
  ['h100-80gb-hbm3-590.48.01-idle-query-gpu-all.csv', 1, { power: 69.85, util: 0, memUsedMiB: 0, temp: 41, fan: null }],
  ['h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv', 1, { power: 631.95, util: 100, memUsedMiB: 19818, temp: 59, fan: null }],
  ['h100-mig-590.48.01-idle-query-gpu-all.csv', 1, { power: 71.15, util: null, memUsedMiB: 59, temp: 42, fan: null }],
  ['h100-mig-590.48.01-load-query-gpu-all.csv', 1, { power: 433.78, util: null, memUsedMiB: 11125, temp: 53, fan: null }],
  ['h200-590.48.01-idle-query-gpu-all.csv', 1, { power: 77.71, util: 0, memUsedMiB: 0, temp: 28, fan: null }],
  ['h200-590.48.01-load-query-gpu-all.csv', 1, { power: 627.4, util: 100, memUsedMiB: 32362, temp: 52, fan: null }],
  ['h200-mig-590.48.01-idle-query-gpu-all.csv', 1, { power: 78.28, util: null, memUsedMiB: 55, temp: 28, fan: null }],
  ['h200-mig-590.48.01-load-query-gpu-all.csv', 1, { power: 295.01, util: null, memUsedMiB: 16959, temp: 36, fan: null }],
  ['l40s-595.80-idle-query-gpu-all.csv', 1, { power: 144.97, util: 100, memUsedMiB: 0, temp: 63, fan: null }],
  ['l40s-595.80-load-query-gpu-all.csv', 1, { power: 110.23, util: 9, memUsedMiB: 1235, temp: 54, fan: null }],
  ['nvgpuexp-query-txt-2gpu-PARTLY-SYNTHETIC.csv', 2, { power: null, util: null, memUsedMiB: 575, temp: null, fan: 38 }],
  ['nvgpuexp-rtx2080super-465.27-linux-query-gpu-v1fields.csv', 1, { power: 30.37, util: 0, memUsedMiB: 344, temp: 32, fan: 38 }],
  ['nvgpuexp-rtx2080super-466.63-windows-query-gpu-v1fields.csv', 1, { power: 31.12, util: 0, memUsedMiB: 856, temp: 35, fan: 38 }],
  ['nvgpuexp-rtx2080super-471.11-windows-sample-output.csv', 1, { power: 32.7, util: 2, memUsedMiB: 876, temp: 36, fan: 38 }],
  ['rtx2080super-591.86-windows-idle-query-gpu-all.csv', 1, { power: 38.92, util: 0, memUsedMiB: 702, temp: 40, fan: 37 }],
  ['rtx2080super-591.86-windows-load-query-gpu-all.csv', 1, { power: 97.43, util: 7, memUsedMiB: 1296, temp: 45, fan: 38 }],
  ['rtx2080super-595.71.05-linux-idle-query-gpu-all.csv', 1, { power: 39.32, util: 0, memUsedMiB: 214, temp: 40, fan: 38 }],
  ['rtx2080super-595.71.05-linux-load-query-gpu-all.csv', 1, { power: 111.5, util: 8, memUsedMiB: 819, temp: 45, fan: 38 }],
  ['rtx2080super-610.57.04-linux-idle-query-gpu-all.csv', 1, { power: 39.17, util: 0, memUsedMiB: 211, temp: 33, fan: 38 }],
  ['rtx2080super-610.57.04-linux-load-query-gpu-all.csv', 1, { power: 98.14, util: 8, memUsedMiB: 815, temp: 38, fan: 38 }],
  ['rtx2080super-610.62-windows-idle-query-gpu-all.csv', 1, { power: 39.25, util: 0, memUsedMiB: 797, temp: 40, fan: 38 }],
  ['rtx2080super-610.62-windows-load-query-gpu-all.csv', 1, { power: 97.99, util: 7, memUsedMiB: 1366, temp: 44, fan: 38 }],
  ['rtx4080super-595.71.05-linux-idle-query-gpu-all.csv', 1, { power: 26.2, util: 0, memUsedMiB: 596, temp: 43, fan: 0 }],
  ['rtx4080super-595.71.05-linux-load-query-gpu-all.csv', 1, { power: 84.24, util: 7, memUsedMiB: 1474, temp: 46, fan: 0 }],
  ['gpl-netdata/netdata-tesla-p100-query-gpu-csv-nounits.csv', 1, { power: 28.16, util: 0, memUsedMiB: 0, temp: 37, fan: null }],
];

const value = (samples: ReturnType<typeof rowToSamples>, metric: string) => samples.find((s) => s.metric === metric)?.value ?? null;

describe('nvidia-smi --query-gpu CSV parser', () => {
  it('has a case for every CSV fixture', () => {
    const files = [...readdirSync(CSV).filter((f) => f.endsWith('.csv')), ...readdirSync(`${CSV}/gpl-netdata`).map((f) => `gpl-netdata/${f}`)];
    expect(CASES.map(([f]) => f).sort()).toEqual(files.sort());
  });

  it.each(CASES)('%s', (file, rows, want) => {
    const records = parseQueryCsv(readFileSync(`${CSV}/${file}`, 'utf8'));
    expect(records).toHaveLength(rows);
    const samples = rowToSamples(records[0]!, 1_763_900_000_000);
    expect(value(samples, 'gpu_power_watts')).toBe(want.power);
    expect(value(samples, 'gpu_utilization_percent')).toBe(want.util);
    expect(value(samples, 'gpu_memory_used_bytes')).toBe(want.memUsedMiB * MiB);
    expect(value(samples, 'gpu_temperature_celsius')).toBe(want.temp);
    expect(value(samples, 'gpu_fan_speed_percent')).toBe(want.fan);
    // Unavailable readings are absent, never 0, and nothing is NaN.
    for (const s of samples) expect(Number.isFinite(s.value)).toBe(true);
  });

  it('keeps N/A out of the samples (MIG utilisation, Turing memory temperature and ECC)', () => {
    const [mig] = parseQueryCsv(readFileSync(`${CSV}/h100-mig-590.48.01-load-query-gpu-all.csv`, 'utf8'));
    expect(mig!['utilization.gpu']).toBe('[N/A]');
    expect(rowToSamples(mig!, 1).map((s) => s.metric)).not.toContain('gpu_utilization_percent');
    const [turing] = parseQueryCsv(readFileSync(`${CSV}/rtx2080super-595.71.05-linux-load-query-gpu-all.csv`, 'utf8'));
    const metrics = rowToSamples(turing!, 1).map((s) => s.metric);
    expect(metrics).not.toContain('gpu_memory_temperature_celsius');
    expect(metrics).not.toContain('gpu_ecc_corrected_errors_total');
  });

  it('reads the hex throttle bitmask and the H100 limits', () => {
    const [h100] = parseQueryCsv(readFileSync(`${CSV}/h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv`, 'utf8'));
    const samples = rowToSamples(h100!, 1);
    expect(value(samples, 'gpu_throttle_reasons')).toBe(0);
    expect(value(samples, 'gpu_power_limit_watts')).toBe(700);
    expect(value(samples, 'gpu_power_instant_watts')).toBe(625.68);
    expect(value(samples, 'gpu_memory_total_bytes')).toBe(81559 * MiB);
    expect(samples[0]!.labels).toEqual({ gpu: '0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' });
  });

  it('strips units from header names and maps noheader rows', () => {
    expect(fieldName('power.draw [W]')).toBe('power.draw');
    expect(fieldName('power_smoothing.curr_profile.ramp_up_rate [W/s]')).toBe('power_smoothing.curr_profile.ramp_up_rate');
    expect(rowToRecord(['index', 'power.draw'], '3, 250.10')).toEqual({ index: '3', 'power.draw': '250.10' });
    expect(() => rowToRecord(['index', 'power.draw'], '3')).toThrow(/expected 2/);
  });
});
