import type { Systeminformation as SI } from 'systeminformation';
import type { Sample } from '../types.js';

/** Filesystems that hold data; pseudo and image filesystems (tmpfs, overlay, squashfs of snaps) are left out. */
const REAL_FS = /^(ext[234]|xfs|btrfs|zfs|f2fs|ntfs|vfat|exfat|jfs|reiserfs|nfs4?|cifs|ceph|lustre|gpfs|beegfs)$/i;

export interface HostReadings {
  load: Pick<SI.CurrentLoadData, 'currentLoad'>;
  loadavg: readonly number[];
  mem: Pick<SI.MemData, 'total' | 'active'>;
  fs: readonly Pick<SI.FsSizeData, 'type' | 'mount' | 'size' | 'used'>[];
  net: readonly Pick<SI.NetworkStatsData, 'iface' | 'rx_sec' | 'tx_sec'>[];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Maps systeminformation readings to samples; values it could not measure (null, NaN) are left out. */
export function hostSamples(r: HostReadings, ts: number): Sample[] {
  const out: Sample[] = [];
  const push = (metric: string, value: number | null | undefined, labels?: Record<string, string>) => {
    if (finite(value)) out.push({ metric, value, ts, ...(labels ? { labels } : {}) });
  };
  push('host_cpu_utilization_percent', r.load.currentLoad);
  push('host_load1', r.loadavg[0]);
  // "active" excludes page cache and buffers: what processes really hold.
  push('host_memory_used_bytes', r.mem.active);
  push('host_memory_total_bytes', r.mem.total);
  for (const f of r.fs) {
    if (!REAL_FS.test(f.type)) continue;
    push('host_disk_used_bytes', f.used, { mount: f.mount });
    push('host_disk_size_bytes', f.size, { mount: f.mount });
  }
  for (const n of r.net) {
    if (n.iface === 'lo') continue;
    // The first networkStats() call has no previous reading and reports -1 or null rates.
    if (finite(n.rx_sec) && n.rx_sec >= 0) push('host_network_rx_bytes_per_second', n.rx_sec, { iface: n.iface });
    if (finite(n.tx_sec) && n.tx_sec >= 0) push('host_network_tx_bytes_per_second', n.tx_sec, { iface: n.iface });
  }
  return out;
}

export interface HostFacts {
  os: Pick<SI.OsData, 'hostname' | 'distro' | 'release' | 'kernel' | 'arch'>;
  cpu: Pick<SI.CpuData, 'manufacturer' | 'brand' | 'physicalCores' | 'cores' | 'processors'>;
  memTotal: number;
  system: Pick<SI.SystemData, 'manufacturer' | 'model' | 'serial'>;
}

/** The host section of the inventory. */
export function hostInventory(f: HostFacts): Record<string, unknown> {
  return {
    hostname: f.os.hostname,
    os: `${f.os.distro} ${f.os.release}`.trim(),
    kernel: f.os.kernel,
    arch: f.os.arch,
    cpuModel: `${f.cpu.manufacturer} ${f.cpu.brand}`.trim(),
    sockets: f.cpu.processors,
    cores: f.cpu.physicalCores,
    threads: f.cpu.cores,
    memoryBytes: f.memTotal,
    vendor: f.system.manufacturer,
    model: f.system.model,
    serial: f.system.serial,
  };
}
