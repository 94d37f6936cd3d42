import { describe, expect, it } from 'vitest';
import { hostInventory, type HostFacts } from '../../../../agent/collectors/host/inventory.js';

// A GPU server's facts as readHostFacts (host-facts.ts) gathers them.
const facts: HostFacts = {
  os: { hostname: 'gpu-01', fqdn: 'gpu-01.dc1.example.net', distro: 'Ubuntu', release: '22.04.4 LTS', kernel: '5.15.0-105-generic', arch: 'x64' },
  cpu: { manufacturer: 'AMD', brand: 'EPYC 9654 96-Core Processor', physicalCores: 192, cores: 384, processors: 2 },
  mem: { total: 1_622_320_254_976 },
  system: { manufacturer: 'Supermicro', model: 'AS -8125GS-TNHR', serial: 'S123456X4A01234', virtual: false },
  graphics: [
    { vendor: 'ASPEED Technology, Inc.', model: 'ASPEED Graphics Family', pciBus: '0000:03:00.0', driverVersion: null },
    { vendor: 'NVIDIA Corporation', model: 'GH100 [H100 SXM5 80GB]', pciBus: '0000:18:00.0', driverVersion: '550.54.15' },
  ],
};

describe('hostInventory', () => {
  it('builds the host section from the host facts', () => {
    expect(hostInventory(facts)).toEqual({
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
      gpus: facts.graphics,
      bmc: null,
    });
  });

  it.each(['', 'To Be Filled By O.E.M.', 'System Serial Number', 'Default string', 'Not Specified', '0123456789', '0000000000'])(
    'reads the unfilled DMI string %j as unknown',
    (serial) => {
      expect(hostInventory({ ...facts, system: { ...facts.system, serial } }).serial).toBeNull();
    },
  );

  it('sends gpus as null when the PCI bus could not be listed', () => {
    expect(hostInventory({ ...facts, graphics: null }).gpus).toBeNull();
  });
});
