import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../../agent/collectors/gpu/parse-xml.js';
import { xmlSchemaFor } from '../../../../agent/collectors/gpu/xml-schemas.js';

const XML = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-xml');
const MiB = 1024 * 1024;
const read = (file: string) => readFileSync(`${XML}/${file}`, 'utf8');

interface Want {
  schema: 'v11' | 'v12' | 'v13';
  gpus: number;
  uuid: string;
  name: string;
  driver: string | null;
  power: number | null;
  instant: number | null;
  limit: number | null;
  memTotalMiB: number | null;
  mig: string | null;
  migDevices: number;
  processes: number;
}

// Expected values read from each file (GPU 0): the board draw per the README's
// power-block rules, `<fb_memory_usage><total>` of the GPU (not of a MIG device),
// and the `<process_info>` entries under GPU 0's `<processes>`.
const CASES: [string, Want][] = [
  ['datakit-8x-tesla-v100s-pcie-32gb-460.73.01.xml', { schema: 'v11', gpus: 8, uuid: 'GPU-76098dc1-d3bc-9a1b-7ea6-f7b48837829e', name: 'Tesla V100S-PCIE-32GB', driver: '460.73.01', power: 232.8, instant: null, limit: 250, memTotalMiB: 32510, mig: null, migDevices: 0, processes: 1 }],
  ['datakit-gtx-1050-515.65.01.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-06e04616-0ed5-4069-5ebc-345349a0d4f3', name: 'NVIDIA GeForce GTX 1050', driver: '515.65.01', power: null, instant: null, limit: null, memTotalMiB: 4096, mig: null, migDevices: 0, processes: 2 }],
  ['datakit-tesla-v100-pcie-32gb-460.39.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-e77ce5d8-8b63-c936-3c1b-839d45bcd0f2', name: 'Tesla V100-PCIE-32GB', driver: '460.39', power: 170.16, instant: null, limit: 250, memTotalMiB: 32510, mig: null, migDevices: 0, processes: 4 }],
  ['telegraf-a100-sxm4-v12.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-513536b6-7d19-9063-b049-1e69664bb298', name: 'NVIDIA A100-SXM4-80GB', driver: '535.54.03', power: 67.03, instant: null, limit: 500, memTotalMiB: 81920, mig: 'Enabled', migDevices: 4, processes: 0 }],
  ['telegraf-a10g.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94', name: 'NVIDIA A10G', driver: '515.105.01', power: 25.58, instant: null, limit: 300, memTotalMiB: 23028, mig: null, migDevices: 0, processes: 1 }],
  ['telegraf-gtx-1070-ti.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665', name: 'GeForce GTX 1070 Ti', driver: null, power: null, instant: null, limit: null, memTotalMiB: 4096, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-gtx-1660-ti.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-304a277d-3545-63b8-3a36-dfde3c992989', name: 'Graphics Device', driver: '418.43', power: 8.93, instant: null, limit: 130, memTotalMiB: 5912, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-quadro-p2000-v12.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-396caaed-39ca-3199-2e68-717cdb786ec6', name: 'Quadro P2000', driver: '525.125.06', power: 4.61, instant: null, limit: 75, memTotalMiB: 5120, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-quadro-p400.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-8f750be4-dfbc-23b9-b33f-da729a536494', name: 'Quadro P400', driver: '418.43', power: null, instant: null, limit: null, memTotalMiB: 1998, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-rtx-3060-v12.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625', name: 'NVIDIA GeForce RTX 3060', driver: '570.124.04', power: 11.6, instant: 11.63, limit: 170, memTotalMiB: 12288, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-rtx-3080-v12.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-19d6d965-2acc-f646-00f8-4c76979aabb4', name: 'NVIDIA GeForce RTX 3080', driver: '536.40', power: 22.78, instant: null, limit: 336, memTotalMiB: 10240, mig: null, migDevices: 0, processes: 5 }],
  ['telegraf-rtx-3080-v13.xml', { schema: 'v13', gpus: 1, uuid: 'GPU-19d6d965-2acc-f646-00f8-4c76979aabb4', name: 'NVIDIA GeForce RTX 3080', driver: '595.58.03', power: 139.62, instant: 142.33, limit: 320, memTotalMiB: 10240, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-rtx-3090-v12.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab', name: 'NVIDIA GeForce RTX 3090', driver: '525.147.05', power: 27.23, instant: null, limit: 200, memTotalMiB: 24576, mig: null, migDevices: 0, processes: 0 }],
  ['telegraf-rtx-4000-sff-ada-v13.xml', { schema: 'v13', gpus: 1, uuid: 'GPU-37037c3f-65c8-ec4d-24a9-420204ad8026', name: 'NVIDIA RTX 4000 SFF Ada Generation', driver: '595.84', power: 8.81, instant: 8.44, limit: 70, memTotalMiB: 20475, mig: null, migDevices: 0, processes: 4 }],
  ['telegraf-tesla-t4.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-d37e67a5-91dd-3774-a5cb-99096249601a', name: 'Tesla T4', driver: '515.105.01', power: 26.78, instant: null, limit: 70, memTotalMiB: 15360, mig: null, migDevices: 0, processes: 2 }],
  ['gpl-netdata/netdata-a100-sxm4-40gb-mig-510.47.03.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a', name: 'NVIDIA A100-SXM4-40GB', driver: '510.47.03', power: 66.92, instant: null, limit: 400, memTotalMiB: 40960, mig: 'Enabled', migDevices: 2, processes: 0 }],
  ['gpl-netdata/netdata-rtx-2080-windows-516.59.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-fbd55ed4-1eec-4423-0a47-ad594b4333e3', name: 'NVIDIA GeForce RTX 2080', driver: '516.59', power: 14.5, instant: null, limit: 275, memTotalMiB: 8192, mig: null, migDevices: 0, processes: 26 }],
  ['gpl-netdata/netdata-rtx-3060-laptop-515.65.01.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-473d8d0f-d462-185c-6b36-6fc23e23e571', name: 'NVIDIA GeForce RTX 3060 Laptop GPU', driver: '515.65.01', power: 8.7, instant: null, limit: null, memTotalMiB: 6144, mig: null, migDevices: 0, processes: 1 }],
  ['gpl-netdata/netdata-rtx-4090-535.86.05.xml', { schema: 'v12', gpus: 1, uuid: 'GPU-71d1acc2-662d-2166-bf9f-65272d2fc437', name: 'NVIDIA GeForce RTX 4090', driver: '535.86.05', power: 26.84, instant: null, limit: 450, memTotalMiB: 24564, mig: null, migDevices: 0, processes: 0 }],
  // Hand-trimmed, no DOCTYPE: `<power_draw> N/A </power_draw>`, `<instant_power_draw> 66.84 W </instant_power_draw>`.
  ['gpl-netdata/netdata-rtx-pro-6000-blackwell-580-EXCERPT-handedited.xml', { schema: 'v13', gpus: 1, uuid: 'GPU-11111111-2222-3333-4444-555555555555', name: 'NVIDIA RTX PRO 6000 Blackwell', driver: null, power: 66.84, instant: 66.84, limit: null, memTotalMiB: null, mig: null, migDevices: 0, processes: 0 }],
  ['gpl-netdata/netdata-tesla-p100-pcie-16gb-510.47.03.xml', { schema: 'v11', gpus: 1, uuid: 'GPU-d3da8716-eaab-75db-efc1-60e88e1cd55e', name: 'Tesla P100-PCIE-16GB', driver: '510.47.03', power: 26.16, instant: null, limit: 250, memTotalMiB: 16384, mig: null, migDevices: 0, processes: 0 }],
];

interface Facts {
  arch: string | null;
  /** PCIe [max gen, current gen, max width, current width]. */
  link: [number | null, number | null, number | null, number | null];
  ecc: boolean | null;
  persistence: boolean | null;
}

// GPU 0 of each file: `<product_architecture>` (absent before ~510: 418 and 460 files),
// `<pci_gpu_link_info>` `<max_link_gen>`/`<current_link_gen>`, `<max_link_width>`/`<current_link_width>`
// (`16x`), `<ecc_mode><current_ecc>` and `<persistence_mode>` (`N/A` on GeForce ECC and Windows persistence).
const FACTS: Record<string, Facts> = {
  'datakit-8x-tesla-v100s-pcie-32gb-460.73.01.xml': { arch: null, link: [3, 3, 16, 16], ecc: true, persistence: false },
  'datakit-gtx-1050-515.65.01.xml': { arch: 'Pascal', link: [3, 3, 16, 8], ecc: null, persistence: true },
  'datakit-tesla-v100-pcie-32gb-460.39.xml': { arch: null, link: [3, 3, 16, 16], ecc: true, persistence: false },
  'telegraf-a100-sxm4-v12.xml': { arch: 'Ampere', link: [4, 4, 16, 16], ecc: true, persistence: false },
  'telegraf-a10g.xml': { arch: 'Ampere', link: [4, 1, 16, 8], ecc: true, persistence: false },
  // v10, abridged: only `<current_link_gen>1` and `<current_link_width>16x`.
  'telegraf-gtx-1070-ti.xml': { arch: null, link: [null, 1, null, 16], ecc: null, persistence: null },
  'telegraf-gtx-1660-ti.xml': { arch: null, link: [3, 1, 16, 16], ecc: null, persistence: false },
  'telegraf-quadro-p2000-v12.xml': { arch: 'Pascal', link: [3, 1, 16, 8], ecc: null, persistence: true },
  'telegraf-quadro-p400.xml': { arch: null, link: [3, 1, 16, 16], ecc: null, persistence: false },
  'telegraf-rtx-3060-v12.xml': { arch: 'Ampere', link: [4, 1, 16, 16], ecc: null, persistence: true },
  'telegraf-rtx-3080-v12.xml': { arch: 'Ampere', link: [4, 4, 16, 16], ecc: null, persistence: null },
  'telegraf-rtx-3080-v13.xml': { arch: 'Ampere', link: [4, 4, 16, 16], ecc: null, persistence: false },
  'telegraf-rtx-3090-v12.xml': { arch: 'Ampere', link: [4, 1, 16, 16], ecc: null, persistence: true },
  'telegraf-rtx-4000-sff-ada-v13.xml': { arch: 'Ada Lovelace', link: [4, 1, 16, 16], ecc: false, persistence: true },
  'telegraf-tesla-t4.xml': { arch: 'Turing', link: [3, 3, 16, 8], ecc: true, persistence: false },
  'gpl-netdata/netdata-a100-sxm4-40gb-mig-510.47.03.xml': { arch: 'Ampere', link: [4, 4, 16, 16], ecc: true, persistence: false },
  'gpl-netdata/netdata-rtx-2080-windows-516.59.xml': { arch: 'Turing', link: [3, 3, 16, 8], ecc: null, persistence: null },
  'gpl-netdata/netdata-rtx-3060-laptop-515.65.01.xml': { arch: 'Ampere', link: [4, 1, 16, 8], ecc: null, persistence: false },
  // `<max_link_gen>3` although `<max_device_link_gen>4`: the host slot is gen 3 (`<max_host_link_gen>3`).
  'gpl-netdata/netdata-rtx-4090-535.86.05.xml': { arch: 'Ada Lovelace', link: [3, 1, 16, 16], ecc: false, persistence: true },
  // The hand-trimmed excerpt has no `<pci>`, `<ecc_mode>` or `<persistence_mode>`.
  'gpl-netdata/netdata-rtx-pro-6000-blackwell-580-EXCERPT-handedited.xml': { arch: null, link: [null, null, null, null], ecc: null, persistence: null },
  'gpl-netdata/netdata-tesla-p100-pcie-16gb-510.47.03.xml': { arch: 'Pascal', link: [3, 3, 16, 16], ecc: true, persistence: false },
};

describe('nvidia-smi -q -x parser', () => {
  it('has a case for every XML fixture', () => {
    const files = [...readdirSync(XML).filter((f) => f.endsWith('.xml')), ...readdirSync(`${XML}/gpl-netdata`).map((f) => `gpl-netdata/${f}`)];
    expect(CASES.map(([f]) => f).sort()).toEqual(files.sort());
    expect(Object.keys(FACTS).sort()).toEqual(files.sort());
  });

  it.each(CASES)('%s', (file, want) => {
    const xml = read(file);
    expect(xmlSchemaFor(xml)).toEqual({ name: want.schema, warning: null });
    const { gpus, warnings } = parseNvidiaSmiXml(xml);
    expect(warnings).toEqual([]);
    expect(gpus).toHaveLength(want.gpus);
    const { inventory: inv, readings: r } = gpus[0]!;
    expect(inv.index).toBe(0);
    expect(inv.uuid).toBe(want.uuid);
    expect(inv.name).toBe(want.name);
    expect(inv.driverVersion).toBe(want.driver);
    expect(r.powerWatts).toBe(want.power);
    expect(r.powerInstantWatts).toBe(want.instant);
    expect(r.powerLimitWatts).toBe(want.limit);
    expect(inv.powerLimits.enforcedWatts).toBe(want.limit);
    expect(inv.memoryTotalBytes).toBe(want.memTotalMiB === null ? null : want.memTotalMiB * MiB);
    expect(inv.migMode).toBe(want.mig);
    expect(inv.migDevices).toHaveLength(want.migDevices);
    expect(inv.processes).toHaveLength(want.processes);
    const facts = FACTS[file]!;
    expect({
      arch: inv.architecture,
      link: [inv.pcieGeneration.max, inv.pcieGeneration.current, inv.pcieLinkWidth.max, inv.pcieLinkWidth.current],
      ecc: inv.eccEnabled,
      persistence: inv.persistenceModeEnabled,
    }).toEqual(facts);
    // No DTD (v10 to v13) has the compute capability: read-inventory.ts asks --query-gpu for it.
    expect(inv.computeCapability).toBeNull();
  });

  it('reads all eight GPUs of the V100S host in order', () => {
    const { gpus } = parseNvidiaSmiXml(read('datakit-8x-tesla-v100s-pcie-32gb-460.73.01.xml'));
    expect(gpus.map((g) => g.inventory.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(gpus.map((g) => g.inventory.uuid)).size).toBe(8);
    // Last `<gpu id="00000000:00:14.0">`: `<uuid>GPU-1d955959-...`, `<power_draw>61.47 W</power_draw>`.
    expect(gpus[7]!.inventory).toMatchObject({ uuid: 'GPU-1d955959-c95b-4f40-2cac-100d3006ffe2', pciBusId: '00000000:00:14.0' });
    expect(gpus[7]!.readings.powerWatts).toBe(61.47);
  });

  it('reads MIG devices with their instance ids and memory (A100 v12)', () => {
    const [a100] = parseNvidiaSmiXml(read('telegraf-a100-sxm4-v12.xml')).gpus;
    expect(a100!.inventory.migDevices.map((d) => [d.index, d.gpuInstanceId, d.computeInstanceId])).toEqual([
      [0, 3, 0],
      [1, 4, 0],
      [2, 5, 0],
      [3, 6, 0],
    ]);
    expect(a100!.inventory.migDevices[0]).toMatchObject({ multiprocessors: 14, memoryTotalBytes: 19968 * MiB, memoryUsedBytes: 12 * MiB, profile: null });
    // MIG makes utilisation N/A: null, never 0.
    expect(a100!.readings.utilizationPercent).toBeNull();
    expect(a100!.readings.temperatureCelsius).toBe(27);
    expect(a100!.readings.memoryTemperatureCelsius).toBe(44);
    expect(a100!.inventory.powerLimits).toEqual({ enforcedWatts: 500, defaultWatts: 500, minWatts: 100, maxWatts: 500 });
    expect(a100!.inventory.cudaVersion).toBe('12.2');
  });

  it('reads compute processes, N/A memory as null (Windows WDDM)', () => {
    const [v100] = parseNvidiaSmiXml(read('datakit-tesla-v100-pcie-32gb-460.39.xml')).gpus;
    expect(v100!.inventory.processes[0]).toEqual({ pid: 4027538, type: 'C', name: 'mtopen-plugin:worker', usedMemoryBytes: 3214 * MiB, gpuInstanceId: null, computeInstanceId: null });
    const [win] = parseNvidiaSmiXml(read('gpl-netdata/netdata-rtx-2080-windows-516.59.xml')).gpus;
    expect(win!.inventory.processes[0]).toMatchObject({ pid: 7724, type: 'C+G', usedMemoryBytes: null });
  });

  it('picks the schema by DTD version and warns once for an unknown newer one', () => {
    expect(xmlSchemaFor('<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v10.dtd">').name).toBe('v11');
    expect(xmlSchemaFor('<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v14.dtd">')).toEqual({
      name: 'v13',
      warning: 'nvidia-smi XML schema v14 is newer than the parser knows; reading it as v13',
    });
  });

  it('rejects a document that is not nvidia-smi XML', () => {
    expect(() => parseNvidiaSmiXml('Failed to initialize NVML: Driver/library version mismatch')).toThrow(/nvidia_smi_log/);
  });
});
