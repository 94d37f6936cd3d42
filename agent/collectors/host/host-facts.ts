import { createReadStream } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { arch, hostname, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCommand } from '../run-command.js';
import { parseCpuinfo } from './cpuinfo.js';
import type { HostFacts, HostGpu } from './inventory.js';
import { parseOsRelease } from './os-release.js';
import { namePciIds, type PciId } from './pci-ids.js';
import { isVirtualMachine } from './virtual.js';

/** Where the facts are read; tests point them at a fixture tree. */
export interface HostFactSources {
  procRoot: string;
  sysRoot: string;
  /** os-release(5): the first that exists. */
  osRelease: string[];
  /** The PCI id database (Debian /usr/share/misc, Red Hat /usr/share/hwdata): the first that exists. */
  pciIds: string[];
}

export const HOST_FACT_SOURCES: HostFactSources = {
  procRoot: '/proc',
  sysRoot: '/sys',
  osRelease: ['/etc/os-release', '/usr/lib/os-release'],
  pciIds: ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'],
};

/** `hostname -f` resolves through DNS, which can hang; the inventory goes out with the short name then. */
const FQDN_WAIT_MS = 5_000;

async function firstReadable(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      return await readFile(p, 'utf8');
    } catch {
      // not on this distribution; try the next
    }
  }
  return null;
}

/** A sysfs attribute, trimmed; null when absent or unreadable (product_serial is root-only). */
async function attribute(path: string): Promise<string | null> {
  return readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => null,
  );
}

async function fqdn(): Promise<string> {
  const r = await runCommand('hostname', ['-f'], { timeoutMs: FQDN_WAIT_MS });
  const name = r.exitCode === 0 ? r.stdout.trim() : '';
  return name || hostname();
}

/** Lines of the first PCI id database that exists, read as a stream (nothing when there is none). */
async function* pciIdLines(paths: string[]): AsyncGenerator<string> {
  for (const p of paths) {
    const stream = createReadStream(p, 'utf8');
    try {
      await new Promise((resolve, reject) => stream.once('open', resolve).once('error', reject));
    } catch {
      continue;
    }
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      yield* lines;
    } finally {
      lines.close();
      stream.destroy();
    }
    return;
  }
}

/**
 * PCI display controllers (class 03xxxx: GPUs, and a BMC's VGA) from sysfs,
 * named from pci.ids; the driver's version from its module (`nvidia` has
 * one, in-tree drivers do not). Null when the PCI bus cannot be listed.
 */
async function displayControllers(src: HostFactSources): Promise<HostGpu[] | null> {
  const bus = join(src.sysRoot, 'bus/pci/devices');
  let addresses: string[];
  try {
    addresses = (await readdir(bus)).sort();
  } catch {
    return null;
  }
  const found: (PciId & { address: string; driverVersion: string | null })[] = [];
  for (const address of addresses) {
    const dir = join(bus, address);
    if (!(await attribute(join(dir, 'class')))?.startsWith('0x03')) continue;
    const [vendor, device] = await Promise.all([attribute(join(dir, 'vendor')), attribute(join(dir, 'device'))]);
    const module = await readlink(join(dir, 'driver/module')).then(basename, () => null);
    const driverVersion = module ? await attribute(join(src.sysRoot, 'module', module, 'version')) : null;
    found.push({ address, vendor: (vendor ?? '').replace(/^0x/, ''), device: (device ?? '').replace(/^0x/, ''), driverVersion });
  }
  const names = found.length > 0 ? await namePciIds(pciIdLines(src.pciIds), found) : new Map();
  return found.map((c) => {
    const n = names.get(`${c.vendor}:${c.device}`);
    return { vendor: n?.vendor ?? c.vendor, model: n?.device ?? c.device, pciBus: c.address, driverVersion: c.driverVersion };
  });
}

/**
 * The host's start-up facts, read directly: /etc/os-release, /proc/cpuinfo,
 * /sys/class/dmi/id, /sys/bus/pci and the os module. (systeminformation,
 * which gave them before, cost ~4 MB of the agent's memory for one read at
 * start, and spawned lspci, dmidecode and shells; issue 20.)
 */
export async function readHostFacts(src: HostFactSources = HOST_FACT_SOURCES): Promise<HostFacts> {
  const dmi = (name: string) => attribute(join(src.sysRoot, 'class/dmi/id', name));
  const [osRelease, cpuinfo, manufacturer, model, serial, graphics, fullName] = await Promise.all([
    firstReadable(src.osRelease),
    readFile(join(src.procRoot, 'cpuinfo'), 'utf8'),
    dmi('sys_vendor'),
    dmi('product_name'),
    dmi('product_serial'),
    displayControllers(src),
    fqdn(),
  ]);
  const { hypervisor, ...cpu } = parseCpuinfo(cpuinfo);
  return {
    os: { hostname: hostname(), fqdn: fullName, ...parseOsRelease(osRelease ?? ''), kernel: release(), arch: arch() },
    cpu,
    mem: { total: totalmem() },
    system: { manufacturer: manufacturer ?? '', model: model ?? '', serial: serial ?? '', virtual: isVirtualMachine(hypervisor, manufacturer, model) },
    graphics,
  };
}
