import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQueryCsv } from '../../../../agent/collectors/gpu/parse-csv.js';
import { parseNvidiaSmiQText } from '../../../../agent/collectors/gpu/parse-q-text.js';
import { parseNumber } from '../../../../shared/units.js';

const Q = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-q-text');
const MiB = 1024 * 1024;
const read = (file: string) => readFileSync(`${Q}/${file}`, 'utf8');
const MASKED = 'GPU-00000000-0000-0000-0000-000000000000';

interface Want {
  gpus: number;
  uuid: string;
  name: string;
  driver: string;
  cuda: string;
  /** Board draw: `Average Power Draw`, else `Power Draw` (535/560), else `Instantaneous Power Draw` (Turing prints Average N/A). */
  power: number;
  instant: number | null;
  limit: number;
  temp: number;
  util: number | null;
  memTotalMiB: number;
  mig: string | null;
  migDevices: number;
  processes: number;
}

// Expected values read from each file's first `GPU xxxx:xx:xx.x` block.
const CASES: [string, Want][] = [
  ['gpud-8x-h100-sxm-535.161.08-q.txt', { gpus: 8, uuid: 'GPU-ee7954ec-da95-fd7a-ddfd-c6b32cc2f8aa', name: 'NVIDIA H100 80GB HBM3', driver: '535.161.08', cuda: '12.2', power: 67.74, instant: null, limit: 700, temp: 29, util: 0, memTotalMiB: 81559, mig: 'Disabled', migDevices: 0, processes: 0 }],
  ['gpud-8x-rtx4090-535.154.05-q.txt', { gpus: 8, uuid: 'GPU-313bbff0-b0a0-fd26-4820-0578bdef3a12', name: 'NVIDIA GeForce RTX 4090', driver: '535.154.05', cuda: '12.2', power: 67.76, instant: null, limit: 450, temp: 41, util: 0, memTotalMiB: 24564, mig: null, migDevices: 0, processes: 1 }],
  ['gpud-a10-535.129.03-q.txt', { gpus: 1, uuid: 'GPU-73d12ef7-f589-f867-4259-c7090ab44736', name: 'NVIDIA A10', driver: '535.129.03', cuda: '12.2', power: 43.89, instant: null, limit: 150, temp: 33, util: 0, memTotalMiB: 23028, mig: null, migDevices: 0, processes: 0 }],
  ['gpud-titan-v-560.35.03-q.txt', { gpus: 1, uuid: 'GPU-f4c353ff-b56c-c1de-bcb9-7dad861b589a', name: 'NVIDIA TITAN V', driver: '560.35.03', cuda: '12.6', power: 29.02, instant: null, limit: 250, temp: 44, util: 0, memTotalMiB: 12288, mig: null, migDevices: 0, processes: 3 }],
  ['h100-80gb-hbm3-590.48.01-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H100 80GB HBM3', driver: '590.48.01', cuda: '13.1', power: 69.85, instant: 69.62, limit: 700, temp: 41, util: 0, memTotalMiB: 81559, mig: 'Disabled', migDevices: 0, processes: 0 }],
  ['h100-80gb-hbm3-590.48.01-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H100 80GB HBM3', driver: '590.48.01', cuda: '13.1', power: 629.45, instant: 588.39, limit: 700, temp: 59, util: 100, memTotalMiB: 81559, mig: 'Disabled', migDevices: 0, processes: 3 }],
  ['h100-mig-590.48.01-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H100 80GB HBM3', driver: '590.48.01', cuda: '13.1', power: 71.27, instant: 72.63, limit: 700, temp: 42, util: null, memTotalMiB: 81559, mig: 'Enabled', migDevices: 4, processes: 0 }],
  ['h100-mig-590.48.01-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H100 80GB HBM3', driver: '590.48.01', cuda: '13.1', power: 432.21, instant: 444.72, limit: 700, temp: 53, util: null, memTotalMiB: 81559, mig: 'Enabled', migDevices: 4, processes: 3 }],
  ['h200-590.48.01-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H200', driver: '590.48.01', cuda: '13.1', power: 77.67, instant: 77.88, limit: 700, temp: 28, util: 0, memTotalMiB: 143771, mig: 'Disabled', migDevices: 0, processes: 0 }],
  ['h200-590.48.01-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H200', driver: '590.48.01', cuda: '13.1', power: 627.32, instant: 625.24, limit: 700, temp: 52, util: 100, memTotalMiB: 143771, mig: 'Disabled', migDevices: 0, processes: 3 }],
  ['h200-mig-590.48.01-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H200', driver: '590.48.01', cuda: '13.1', power: 78.28, instant: 77.88, limit: 700, temp: 28, util: null, memTotalMiB: 143771, mig: 'Enabled', migDevices: 5, processes: 0 }],
  ['h200-mig-590.48.01-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA H200', driver: '590.48.01', cuda: '13.1', power: 294.94, instant: 292.14, limit: 700, temp: 36, util: null, memTotalMiB: 143771, mig: 'Enabled', migDevices: 5, processes: 3 }],
  ['l40s-595.80-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA L40S', driver: '595.80', cuda: '13.2', power: 183.28, instant: 119.88, limit: 350, temp: 64, util: 100, memTotalMiB: 46068, mig: null, migDevices: 0, processes: 0 }],
  ['l40s-595.80-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA L40S', driver: '595.80', cuda: '13.2', power: 110.24, instant: 110.01, limit: 350, temp: 54, util: 9, memTotalMiB: 46068, mig: null, migDevices: 0, processes: 2 }],
  ['rtx2080super-591.86-windows-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '591.86', cuda: '13.1', power: 38.92, instant: 38.92, limit: 250, temp: 40, util: 0, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 10 }],
  ['rtx2080super-591.86-windows-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '591.86', cuda: '13.1', power: 97.49, instant: 97.49, limit: 250, temp: 45, util: 7, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 12 }],
  ['rtx2080super-595.71.05-linux-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '595.71.05', cuda: '13.2', power: 37.62, instant: 37.62, limit: 250, temp: 40, util: 0, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 2 }],
  ['rtx2080super-595.71.05-linux-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '595.71.05', cuda: '13.2', power: 98.55, instant: 98.55, limit: 250, temp: 45, util: 8, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 4 }],
  // 610 nests the limit under `GPU Ceiling Power Limit` and suffixes the versions with a deprecation notice.
  ['rtx2080super-610.57.04-linux-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '610.57.04', cuda: '13.3', power: 38.89, instant: 38.89, limit: 250, temp: 33, util: 0, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 2 }],
  ['rtx2080super-610.57.04-linux-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '610.57.04', cuda: '13.3', power: 97.75, instant: 97.75, limit: 250, temp: 38, util: 8, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 4 }],
  ['rtx2080super-610.62-windows-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '610.62', cuda: '13.3', power: 37.21, instant: 37.21, limit: 250, temp: 39, util: 0, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 19 }],
  ['rtx2080super-610.62-windows-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 2080 SUPER', driver: '610.62', cuda: '13.3', power: 97.99, instant: 97.99, limit: 250, temp: 44, util: 7, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 21 }],
  ['rtx4080super-595.71.05-linux-idle-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 4080 SUPER', driver: '595.71.05', cuda: '13.2', power: 25.92, instant: 27.74, limit: 320, temp: 43, util: 0, memTotalMiB: 16376, mig: null, migDevices: 0, processes: 5 }],
  ['rtx4080super-595.71.05-linux-load-q.txt', { gpus: 1, uuid: MASKED, name: 'NVIDIA GeForce RTX 4080 SUPER', driver: '595.71.05', cuda: '13.2', power: 84.03, instant: 86.41, limit: 320, temp: 45, util: 7, memTotalMiB: 16376, mig: null, migDevices: 0, processes: 7 }],
];

const CSV = resolve(Q, '../nvidia-smi-csv');

/** `Enabled`/`Disabled` as nvidia-smi prints modes; `[N/A]` and the like are null. */
const mode = (v: string | undefined) => (v === 'Enabled' ? true : v === 'Disabled' ? false : null);

// `Product Architecture` as each file prints it, by `Product Name`.
const ARCHITECTURE: Record<string, string> = {
  'NVIDIA H100 80GB HBM3': 'Hopper',
  'NVIDIA H200': 'Hopper',
  'NVIDIA GeForce RTX 4090': 'Ada Lovelace',
  'NVIDIA GeForce RTX 4080 SUPER': 'Ada Lovelace',
  'NVIDIA L40S': 'Ada Lovelace',
  'NVIDIA A10': 'Ampere',
  'NVIDIA TITAN V': 'Volta',
  'NVIDIA GeForce RTX 2080 SUPER': 'Turing',
};

// The gpud files have no --query-gpu capture beside them: GPU 0's `GPU Link Info`
// (`PCIe Generation` Max/Current, `Link Width` Max/Current), `ECC Mode` Current and `Persistence Mode`.
const GPUD_LINKS: Record<string, { link: number[]; ecc: boolean | null; persistence: boolean }> = {
  'gpud-8x-h100-sxm-535.161.08-q.txt': { link: [5, 5, 16, 16], ecc: true, persistence: true },
  'gpud-8x-rtx4090-535.154.05-q.txt': { link: [4, 4, 16, 16], ecc: false, persistence: true },
  'gpud-a10-535.129.03-q.txt': { link: [4, 4, 16, 16], ecc: true, persistence: true },
  // Idle TITAN V: `Max : 3`, `Current : 1`; `ECC Mode` `Current : N/A`.
  'gpud-titan-v-560.35.03-q.txt': { link: [3, 1, 16, 16], ecc: null, persistence: false },
};

describe('nvidia-smi -q text parser', () => {
  it('has a case for every q-text fixture', () => {
    expect(CASES.map(([f]) => f).sort()).toEqual(readdirSync(Q).sort());
  });

  it.each(CASES)('%s', (file, want) => {
    const { gpus } = parseNvidiaSmiQText(read(file));
    expect(gpus).toHaveLength(want.gpus);
    const { inventory: inv, readings: r } = gpus[0]!;
    expect(inv).toMatchObject({ index: 0, uuid: want.uuid, name: want.name, driverVersion: want.driver, cudaVersion: want.cuda, migMode: want.mig });
    expect(inv.memoryTotalBytes).toBe(want.memTotalMiB * MiB);
    expect(inv.powerLimits.enforcedWatts).toBe(want.limit);
    expect(inv.migDevices).toHaveLength(want.migDevices);
    expect(inv.processes).toHaveLength(want.processes);
    expect(r).toMatchObject({ powerWatts: want.power, powerInstantWatts: want.instant, powerLimitWatts: want.limit, temperatureCelsius: want.temp, utilizationPercent: want.util });
    expect(r.memoryTotalBytes).toBe(want.memTotalMiB * MiB);
  });

  it.each(CASES.map(([f]) => f))('%s: architecture, PCIe link, ECC and persistence mode', (file) => {
    const { gpus } = parseNvidiaSmiQText(read(file));
    const inv = gpus[0]!.inventory;
    expect(inv.architecture).toBe(ARCHITECTURE[inv.name!]);
    const got = {
      link: [inv.pcieGeneration.max, inv.pcieGeneration.current, inv.pcieLinkWidth.max, inv.pcieLinkWidth.current],
      ecc: inv.eccEnabled,
      persistence: inv.persistenceModeEnabled,
    };
    const csv = `${CSV}/${file.replace(/-q\.txt$/, '-query-gpu-all.csv')}`;
    if (existsSync(csv)) {
      // The same machine and phase asked through --query-gpu: both outputs must tell the same.
      const row = parseQueryCsv(readFileSync(csv, 'utf8'))[0]!;
      const link = ['pcie.link.gen.max', 'pcie.link.gen.current', 'pcie.link.width.max', 'pcie.link.width.current'].map((f) => parseNumber(row[f]));
      expect(got).toEqual({ link, ecc: mode(row['ecc.mode.current']), persistence: mode(row.persistence_mode) });
    } else {
      expect(got).toEqual(GPUD_LINKS[file]);
    }
    // `-q` never prints it: read-inventory.ts asks --query-gpu.
    expect(inv.computeCapability).toBeNull();
  });

  it('has link facts for every file without a --query-gpu capture', () => {
    const without = CASES.map(([f]) => f).filter((f) => !existsSync(`${CSV}/${f.replace(/-q\.txt$/, '-query-gpu-all.csv')}`));
    expect(without.sort()).toEqual(Object.keys(GPUD_LINKS).sort());
  });

  it('reads the eight H100s of one host with their own UUIDs and bus ids', () => {
    const { gpus } = parseNvidiaSmiQText(read('gpud-8x-h100-sxm-535.161.08-q.txt'));
    expect(gpus.map((g) => g.inventory.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(gpus.map((g) => g.inventory.uuid)).size).toBe(8);
    // Second block: `GPU 00000000:3B:00.0`, `GPU UUID : GPU-47daa2ad-...`, `Serial Number : 1650124008135`.
    expect(gpus[1]!.inventory).toMatchObject({ uuid: 'GPU-47daa2ad-a218-6286-252b-af45f0dfaf00', serial: '1650124008135', pciBusId: '00000000:3B:00.0', vbios: '96.00.74.00.0D' });
    // Last block: `Power Draw : 72.27 W`.
    expect(gpus[7]!.readings.powerWatts).toBe(72.27);
  });

  it('reads MIG Device blocks and processes with their GPU/compute instance (H200 MIG load)', () => {
    const [h200] = parseNvidiaSmiQText(read('h200-mig-590.48.01-load-q.txt')).gpus;
    const mig = h200!.inventory.migDevices;
    expect(mig.map((d) => [d.index, d.gpuInstanceId, d.computeInstanceId, d.multiprocessors])).toEqual([
      [0, 2, 0, 16],
      [1, 2, 1, 32],
      [2, 3, 0, 32],
      [3, 9, 0, 16],
      [4, 10, 0, 16],
    ]);
    // `Shared FB Memory Usage` of MIG device 0: Total 71424 MiB, Used 16925 MiB.
    expect(mig[0]).toMatchObject({ memoryTotalBytes: 71424 * MiB, memoryUsedBytes: 16925 * MiB });
    expect(h200!.inventory.processes[0]).toEqual({ pid: 12249, type: 'C', name: '/root/tools/memhog', usedMemoryBytes: 2194 * MiB, gpuInstanceId: 2, computeInstanceId: 1 });
    expect(h200!.readings.memoryUtilizationPercent).toBeNull();
  });

  it('keeps unavailable readings null: WDDM process memory, Turing average power and HBM temperature', () => {
    const [win] = parseNvidiaSmiQText(read('rtx2080super-591.86-windows-load-q.txt')).gpus;
    expect(win!.inventory.processes[0]).toMatchObject({ pid: 2056, type: 'C+G', name: 'C:\\Windows\\System32\\dwm.exe', usedMemoryBytes: null });
    expect(win!.readings.memoryTemperatureCelsius).toBeNull();
    expect(win!.inventory.serial).toBeNull();
    const [h100] = parseNvidiaSmiQText(read('h100-80gb-hbm3-590.48.01-load-q.txt')).gpus;
    expect(h100!.readings).toMatchObject({ memoryTemperatureCelsius: 55, memoryUtilizationPercent: 11, smClockMhz: 1980, memoryClockMhz: 2619, fanSpeedPercent: null });
    expect(h100!.inventory.powerLimits).toEqual({ enforcedWatts: 700, defaultWatts: 700, minWatts: 200, maxWatts: 700 });
  });

  it('rejects text that is not an nvidia-smi -q output', () => {
    expect(() => parseNvidiaSmiQText('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.')).toThrow(/not an nvidia-smi -q output/);
  });
});
