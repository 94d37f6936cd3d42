import { describe, expect, it } from 'vitest';
import type { DiskUsage } from '../../../../agent/collectors/host/disks.js';
import { hostSamples, realFilesystems } from '../../../../agent/collectors/host/map.js';
import type { MemReading } from '../../../../agent/collectors/host/meminfo.js';

// The development VM (2 vCPU, 24 GiB): CPU busy since the last run, and /proc/meminfo as parseMeminfo reads it.
const load = { currentLoad: 12.5 };

const mem: MemReading = { total: 25276063744, active: 423927808 };

const fsEntry = (fs: string, type: string, mount: string, size: number, used: number): DiskUsage => ({ fs, type, mount, size, used });

// A GPU node's mounts as readDiskUsage lists them: the kubelet bind mount of the root device comes before / itself.
const fs: DiskUsage[] = [
  fsEntry('/dev/nvme0n1p2', 'ext4', '/var/lib/kubelet/pods/7f1c/volumes/kubernetes.io~empty-dir/cache', 1_919_850_381_312, 402_653_184_000),
  fsEntry('/dev/nvme0n1p2', 'ext4', '/', 1_919_850_381_312, 402_653_184_000),
  fsEntry('/dev/nvme0n1p1', 'vfat', '/boot/efi', 535_805_952, 6_344_704),
  fsEntry('tmpfs', 'tmpfs', '/run', 101_312_811_008, 4_177_920),
  fsEntry('overlay', 'overlay', '/var/lib/docker/overlay2/9e1d/merged', 1_919_850_381_312, 402_653_184_000),
  fsEntry('/dev/md0', 'xfs', '/data', 15_356_472_795_136, 9_663_676_416_000),
  fsEntry('10.0.0.5:/export/datasets', 'nfs4', '/mnt/datasets', 107_374_182_400_000, 53_687_091_200_000),
  fsEntry('/dev/loop3', 'iso9660', '/media/cdrom', 4_700_000_000, 4_700_000_000),
];

describe('realFilesystems', () => {
  it('keeps real filesystems, each device once under its shortest mount', () => {
    expect(realFilesystems(fs).map((f) => [f.fs, f.mount])).toEqual([
      ['/dev/nvme0n1p2', '/'],
      ['/dev/nvme0n1p1', '/boot/efi'],
      ['/dev/md0', '/data'],
      ['10.0.0.5:/export/datasets', '/mnt/datasets'],
    ]);
  });
});

describe('hostSamples', () => {
  it('maps the host readings to unit-named samples', () => {
    const samples = hostSamples(
      {
        load,
        loadavg: [1.25, 1, 0.5],
        mem,
        fs,
        net: [
          { iface: 'lo', rxBytesPerSecond: 100, txBytesPerSecond: 100 },
          { iface: 'eth0', rxBytesPerSecond: 1500, txBytesPerSecond: 250.5 },
        ],
      },
      1_700_000_000_000,
    );
    const ts = 1_700_000_000_000;
    expect(samples).toEqual([
      { metric: 'host_cpu_utilization_percent', value: 12.5, ts },
      { metric: 'host_load1', value: 1.25, ts },
      // active: MemTotal − MemAvailable (page cache not counted as used).
      { metric: 'host_memory_used_bytes', value: 423927808, ts },
      { metric: 'host_memory_total_bytes', value: 25276063744, ts },
      { metric: 'host_disk_used_bytes', value: 402_653_184_000, ts, labels: { mount: '/' } },
      { metric: 'host_disk_size_bytes', value: 1_919_850_381_312, ts, labels: { mount: '/' } },
      { metric: 'host_disk_used_bytes', value: 6_344_704, ts, labels: { mount: '/boot/efi' } },
      { metric: 'host_disk_size_bytes', value: 535_805_952, ts, labels: { mount: '/boot/efi' } },
      { metric: 'host_disk_used_bytes', value: 9_663_676_416_000, ts, labels: { mount: '/data' } },
      { metric: 'host_disk_size_bytes', value: 15_356_472_795_136, ts, labels: { mount: '/data' } },
      { metric: 'host_disk_used_bytes', value: 53_687_091_200_000, ts, labels: { mount: '/mnt/datasets' } },
      { metric: 'host_disk_size_bytes', value: 107_374_182_400_000, ts, labels: { mount: '/mnt/datasets' } },
      { metric: 'host_network_rx_bytes_per_second', value: 1500, ts, labels: { iface: 'eth0' } },
      { metric: 'host_network_tx_bytes_per_second', value: 250.5, ts, labels: { iface: 'eth0' } },
    ]);
  });

  it('sends no disk samples on runs without a disk reading, and never a NaN or null as a value', () => {
    const samples = hostSamples({ load: { currentLoad: Number.NaN }, loadavg: [], mem, net: [] }, 5);
    expect(samples).toEqual([
      { metric: 'host_memory_used_bytes', value: 423927808, ts: 5 },
      { metric: 'host_memory_total_bytes', value: 25276063744, ts: 5 },
    ]);
  });
});
