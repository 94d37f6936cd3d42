import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_FACT_SOURCES, readHostFacts } from '../../../../agent/collectors/host/host-facts.js';

const root = mkdtempSync('/tmp/kcloud-host-facts-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, text: string): string {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A PCI function in a fake sysfs tree; `module` binds it to a driver whose module has that version (or none). */
function pciDevice(sys: string, address: string, cls: string, vendor: string, device: string, module?: { name: string; version?: string }) {
  const dir = join(sys, 'bus/pci/devices', address);
  file(join(dir, 'class'), `${cls}\n`);
  file(join(dir, 'vendor'), `${vendor}\n`);
  file(join(dir, 'device'), `${device}\n`);
  if (!module) return;
  const moduleDir = join(root, sys, 'module', module.name);
  mkdirSync(moduleDir, { recursive: true });
  if (module.version) file(join(sys, 'module', module.name, 'version'), `${module.version}\n`);
  const driver = join(root, sys, 'bus/pci/drivers', module.name);
  mkdirSync(driver, { recursive: true });
  symlinkSync(moduleDir, join(driver, 'module'));
  symlinkSync(driver, join(root, dir, 'driver'));
}

const CPUINFO = [0, 1, 2, 3]
  .map((i) => `processor\t: ${i}\nmodel name\t: AMD EPYC 9654 96-Core Processor\nphysical id\t: ${i % 2}\ncore id\t\t: ${i >> 1}\nflags\t\t: fpu vme\n`)
  .join('\n');

describe('readHostFacts', () => {
  it('reads os-release, cpuinfo, DMI and the display controllers of the PCI bus', async () => {
    file('proc/cpuinfo', CPUINFO);
    file('sys/class/dmi/id/sys_vendor', 'Supermicro\n');
    file('sys/class/dmi/id/product_name', 'AS -8125GS-TNHR\n');
    // product_serial is root-only (0400): absent here, as it is to the kcloud user.
    pciDevice('sys', '0000:00:03.0', '0x020000', '0x8086', '0x1592', { name: 'ice' });
    pciDevice('sys', '0000:03:00.0', '0x030000', '0x1a03', '0x2000', { name: 'ast' });
    pciDevice('sys', '0000:18:00.0', '0x030200', '0x10de', '0x2330', { name: 'nvidia', version: '550.54.15' });
    pciDevice('sys', '0000:19:00.0', '0x030200', '0x10de', '0x9999');
    const osRelease = file('etc/os-release', 'NAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n');
    const pciIds = file('pci.ids', '1a03  ASPEED Technology, Inc.\n\t2000  ASPEED Graphics Family\n10de  NVIDIA Corporation\n\t2330  GH100 [H100 SXM5 80GB]\n');

    const facts = await readHostFacts({
      procRoot: join(root, 'proc'),
      sysRoot: join(root, 'sys'),
      osRelease: [join(root, 'missing/os-release'), osRelease],
      pciIds: [join(root, 'missing/pci.ids'), pciIds],
    });

    expect(facts).toEqual({
      os: { hostname: hostname(), fqdn: expect.any(String), distro: 'Ubuntu', release: '22.04.4 LTS', kernel: release(), arch: arch() },
      cpu: { manufacturer: 'AMD', brand: 'EPYC 9654 96-Core Processor', physicalCores: 4, cores: 4, processors: 2 },
      mem: { total: totalmem() },
      system: { manufacturer: 'Supermicro', model: 'AS -8125GS-TNHR', serial: '', virtual: false },
      graphics: [
        { vendor: 'ASPEED Technology, Inc.', model: 'ASPEED Graphics Family', pciBus: '0000:03:00.0', driverVersion: null },
        { vendor: 'NVIDIA Corporation', model: 'GH100 [H100 SXM5 80GB]', pciBus: '0000:18:00.0', driverVersion: '550.54.15' },
        // Unbound, and a device id the database does not know: the hex id stands in for its name.
        { vendor: 'NVIDIA Corporation', model: '9999', pciBus: '0000:19:00.0', driverVersion: null },
      ],
    });
    // `hostname -f`: the fully qualified name begins with the host's own.
    expect(facts.os.fqdn.split('.')[0]).toBe(hostname());
  });

  it('without a PCI bus, os-release, DMI or pci.ids: gpus null, unknown names, hex ids', async () => {
    const bare = join(root, 'bare');
    file('bare/proc/cpuinfo', CPUINFO);
    pciDevice('bare/sys', '0000:03:00.0', '0x030000', '0x1a03', '0x2000');
    const sources = { procRoot: join(bare, 'proc'), sysRoot: join(bare, 'sys'), osRelease: [join(bare, 'none')], pciIds: [join(bare, 'none')] };
    const facts = await readHostFacts(sources);
    expect(facts.os).toMatchObject({ distro: 'unknown', release: 'unknown' });
    expect(facts.system).toEqual({ manufacturer: '', model: '', serial: '', virtual: false });
    expect(facts.graphics).toEqual([{ vendor: '1a03', model: '2000', pciBus: '0000:03:00.0', driverVersion: null }]);
    expect((await readHostFacts({ ...sources, sysRoot: join(bare, 'no-sys') })).graphics).toBeNull();
  });

  it('reads this machine', async () => {
    const facts = await readHostFacts(HOST_FACT_SOURCES);
    expect(facts.cpu.cores).toBe(cpus().length);
    expect(facts.cpu.physicalCores).toBeGreaterThan(0);
    expect(facts.cpu.physicalCores).toBeLessThanOrEqual(facts.cpu.cores);
    expect(facts.os.distro).not.toBe('unknown');
    expect(Array.isArray(facts.graphics)).toBe(true);
  });
});
