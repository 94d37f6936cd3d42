import type { Systeminformation as SI } from 'systeminformation';

/** What systeminformation reports once at start. `graphics` is null when lspci/nvidia-smi did not answer in time. */
export interface HostFacts {
  os: Pick<SI.OsData, 'hostname' | 'fqdn' | 'distro' | 'release' | 'kernel' | 'arch'>;
  cpu: Pick<SI.CpuData, 'manufacturer' | 'brand' | 'physicalCores' | 'cores' | 'processors'>;
  mem: Pick<SI.MemData, 'total'>;
  system: Pick<SI.SystemData, 'manufacturer' | 'model' | 'serial' | 'virtual'>;
  graphics: Pick<SI.GraphicsData, 'controllers'> | null;
}

export interface HostGpu {
  vendor: string;
  model: string;
  pciBus: string | null;
  vramBytes: number | null;
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

/** systeminformation reports VRAM in MiB; 0 or null means unknown, not "no memory". */
function vramBytes(mib: number | null | undefined): number | null {
  return typeof mib === 'number' && mib > 0 ? mib * 1024 * 1024 : null;
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
    gpus:
      f.graphics?.controllers.map((c) => ({
        vendor: c.vendor,
        model: c.name ?? c.model,
        pciBus: c.pciBus || c.busAddress || null,
        vramBytes: vramBytes(c.memoryTotal ?? c.vram),
        driverVersion: c.driverVersion ?? null,
      })) ?? null,
    bmc: null,
  };
}
