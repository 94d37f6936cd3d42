/**
 * What the host collector reads once at start (host-facts.ts), in the shape
 * systeminformation gave it before. `graphics` is null when the PCI bus
 * could not be listed.
 */
export interface HostFacts {
  /** `arch` as Node spells it (`x64`, `arm64`). */
  os: { hostname: string; fqdn: string; distro: string; release: string; kernel: string; arch: string };
  /** `processors`: sockets; `cores`: logical processors. */
  cpu: { manufacturer: string; brand: string; physicalCores: number; cores: number; processors: number };
  mem: { total: number };
  /** DMI strings, '' where absent or unreadable. */
  system: { manufacturer: string; model: string; serial: string; virtual: boolean };
  graphics: HostGpu[] | null;
}

/** A PCI display controller. Memory and the GPU's own model name are the gpu collector's inventory. */
export interface HostGpu {
  /** From pci.ids; the hex vendor id (`10de`) where the database lacks it. */
  vendor: string;
  /** From pci.ids (`GH100 [H100 SXM5 80GB]`); the hex device id where the database lacks it. */
  model: string;
  /** The sysfs address, `0000:18:00.0`. */
  pciBus: string;
  /** The driver module's version (`nvidia`'s); null for in-tree drivers and unbound devices. */
  driverVersion: string | null;
}

export interface HostInventory {
  hostname: string;
  fqdn: string;
  os: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  sockets: number;
  cores: number;
  threads: number;
  memoryBytes: number;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  virtual: boolean;
  /** PCI display controllers (a BMC's VGA, e.g. ASPEED, included); GPU facts proper come from the gpu collector. */
  gpus: HostGpu[] | null;
  /** Filled by the BMC (ipmi) inventory, not here. */
  bmc: null;
}

/**
 * DMI strings that board vendors leave unfilled, e.g. `System Serial Number`,
 * `To Be Filled By O.E.M.`, `Default string`, `Not Specified`, `0123456789`.
 */
const DMI_PLACEHOLDER = /^(|not specified|not applicable|none|default string|to be filled by o\.e\.m\.|system (serial number|product name|manufacturer)|0123456789|0+|x+)$/i;

function dmi(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  return DMI_PLACEHOLDER.test(v) ? null : v;
}

/** The `host` section of the agent's inventory. */
export function hostInventory(f: HostFacts): HostInventory {
  return {
    hostname: f.os.hostname,
    fqdn: f.os.fqdn,
    os: `${f.os.distro} ${f.os.release}`.trim(),
    kernel: f.os.kernel,
    arch: f.os.arch,
    cpuModel: `${f.cpu.manufacturer} ${f.cpu.brand}`.trim(),
    sockets: f.cpu.processors,
    cores: f.cpu.physicalCores,
    threads: f.cpu.cores,
    memoryBytes: f.mem.total,
    vendor: dmi(f.system.manufacturer),
    model: dmi(f.system.model),
    serial: dmi(f.system.serial),
    virtual: f.system.virtual,
    gpus: f.graphics,
    bmc: null,
  };
}
