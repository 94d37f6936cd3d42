import type { Systeminformation as SI } from 'systeminformation';
import { describe, expect, it } from 'vitest';
import { hostInventory } from '../../../../agent/collectors/host/inventory.js';

// si.osInfo() / si.cpu() / si.system() / si.graphics() shaped as systeminformation 5.33 returns them.
const os = {
  platform: 'linux',
  distro: 'Ubuntu',
  release: '22.04.4 LTS',
  codename: 'jammy',
  kernel: '5.15.0-105-generic',
  arch: 'x64',
  hostname: 'gpu-01',
  fqdn: 'gpu-01.dc1.example.net',
  codepage: 'UTF-8',
  logofile: 'ubuntu',
  serial: '4c4c4544-0047',
  build: '',
  servicepack: '',
  uefi: true,
} satisfies SI.OsData;

const cpu = {
  manufacturer: 'AMD',
  brand: 'EPYC 9654 96-Core Processor',
  vendor: 'AuthenticAMD',
  family: '25',
  model: '17',
  stepping: '1',
  revision: '',
  voltage: '',
  speed: 2.4,
  speedMin: 1.5,
  speedMax: 3.7,
  governor: 'performance',
  cores: 384,
  physicalCores: 192,
  processors: 2,
  socket: 'SP5',
  flags: 'fpu vme de pse',
  virtualization: true,
  cache: { l1d: 6291456, l1i: 6291456, l2: 201326592, l3: 805306368 },
} satisfies SI.CpuData;

const system = {
  manufacturer: 'Supermicro',
  model: 'AS -8125GS-TNHR',
  version: '0123456789',
  serial: 'S123456X4A01234',
  uuid: '00000000-0000-0000-0000-3cecefabcdef',
  sku: 'To be filled by O.E.M.',
  virtual: false,
} satisfies SI.SystemData;

const controller = (c: Partial<SI.GraphicsControllerData>): SI.GraphicsControllerData => ({
  vendor: '',
  model: '',
  bus: 'Onboard',
  busAddress: '',
  vram: null,
  vramDynamic: false,
  ...c,
});

const graphics = {
  controllers: [
    controller({ vendor: 'ASPEED Technology, Inc.', model: 'ASPEED Graphics Family', busAddress: '03:00.0', vram: 0 }),
    controller({
      vendor: 'NVIDIA Corporation',
      model: 'GH100 [H100 SXM5 80GB]',
      busAddress: '18:00.0',
      vram: 81559,
      driverVersion: '550.54.15',
      name: 'NVIDIA H100 80GB HBM3',
      pciBus: '00000000:18:00.0',
      memoryTotal: 81559,
    }),
  ],
  displays: [],
} satisfies SI.GraphicsData;

describe('hostInventory', () => {
  it('builds the host section from systeminformation facts', () => {
    expect(hostInventory({ os, cpu, mem: { total: 1_622_320_254_976 }, system, graphics })).toEqual({
      hostname: 'gpu-01',
      fqdn: 'gpu-01.dc1.example.net',
      os: 'Ubuntu 22.04.4 LTS',
      kernel: '5.15.0-105-generic',
      arch: 'x64',
      cpuModel: 'AMD EPYC 9654 96-Core Processor',
      sockets: 2,
      cores: 192,
      threads: 384,
      memoryBytes: 1_622_320_254_976,
      vendor: 'Supermicro',
      model: 'AS -8125GS-TNHR',
      serial: 'S123456X4A01234',
      virtual: false,
      gpus: [
        { vendor: 'ASPEED Technology, Inc.', model: 'ASPEED Graphics Family', pciBus: '03:00.0', vramBytes: null, driverVersion: null },
        { vendor: 'NVIDIA Corporation', model: 'NVIDIA H100 80GB HBM3', pciBus: '00000000:18:00.0', vramBytes: 81559 * 1024 * 1024, driverVersion: '550.54.15' },
      ],
      bmc: null,
    });
  });

  it.each(['', 'To Be Filled By O.E.M.', 'System Serial Number', 'Default string', 'Not Specified', '0123456789', '0000000000'])(
    'reads the unfilled DMI string %j as unknown',
    (serial) => {
      expect(hostInventory({ os, cpu, mem: { total: 1 }, system: { ...system, serial }, graphics }).serial).toBeNull();
    },
  );

  it('sends gpus as null when the controller listing did not answer', () => {
    expect(hostInventory({ os, cpu, mem: { total: 1 }, system, graphics: null }).gpus).toBeNull();
  });
});
