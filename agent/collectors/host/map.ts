import type { Sample } from '../types.js';
import type { DiskUsage } from './disks.js';
import type { MemReading } from './meminfo.js';
import type { NetRate } from './net-dev.js';

/**
 * Filesystems that hold no data of their own: memory-backed, container
 * layers, read-only images (squashfs: snaps) and media. The size-0 ones (proc,
 * sysfs, cgroup) are left out by their size, as df hides them.
 */
const PSEUDO_FS = /^(tmpfs|devtmpfs|ramfs|overlay|aufs|squashfs|iso9660|udf|efivarfs|nsfs|autofs|fuse\.lxcfs|fuse\.snapfuse|fuse\.gvfsd-fuse)$/i;

export interface HostReadings {
  /** CPU busy percent since the previous run; null on the first run. */
  load: { currentLoad: number | null };
  /** `os.loadavg()`: 1, 5 and 15 minutes. */
  loadavg: readonly number[];
  mem: MemReading;
  /** Absent on runs that did not refresh the (slower) disk reading. */
  fs?: readonly DiskUsage[];
  net: readonly NetRate[];
}

/**
 * The filesystems worth a series: real ones only, each device once under its
 * shortest mount point (bind mounts, btrfs subvolumes and Kubernetes volume
 * mounts of the same device repeat its numbers).
 */
export function realFilesystems<T extends Pick<DiskUsage, 'fs' | 'type' | 'mount' | 'size'>>(fs: readonly T[]): T[] {
  const byDevice = new Map<string, T>();
  for (const f of fs) {
    if (isPseudoFilesystem(f.type) || !(f.size > 0)) continue;
    const seen = byDevice.get(f.fs);
    if (!seen || f.mount.length < seen.mount.length) byDevice.set(f.fs, f);
  }
  return [...byDevice.values()];
}

/** True for a filesystem type that holds no data of its own (its mounts are not statted at all). */
export const isPseudoFilesystem = (type: string): boolean => PSEUDO_FS.test(type);

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Maps one host run's readings to samples; a value that was not measured (null, NaN) is left out, never sent as 0. */
export function hostSamples(r: HostReadings, ts: number): Sample[] {
  const out: Sample[] = [];
  const push = (metric: string, value: number | null | undefined, labels?: Record<string, string>) => {
    if (finite(value)) out.push({ metric, value, ts, ...(labels ? { labels } : {}) });
  };
  push('host_cpu_utilization_percent', r.load.currentLoad);
  push('host_load1', r.loadavg[0]);
  // `active` is MemTotal − MemAvailable: what processes hold, page cache and reclaimable slab excluded.
  push('host_memory_used_bytes', r.mem.active);
  push('host_memory_total_bytes', r.mem.total);
  for (const f of realFilesystems(r.fs ?? [])) {
    push('host_disk_used_bytes', f.used, { mount: f.mount });
    push('host_disk_size_bytes', f.size, { mount: f.mount });
  }
  for (const n of r.net) {
    if (n.iface === 'lo') continue;
    push('host_network_rx_bytes_per_second', n.rxBytesPerSecond, { iface: n.iface });
    push('host_network_tx_bytes_per_second', n.txBytesPerSecond, { iface: n.iface });
  }
  return out;
}
