import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createHostCollector } from '../../../../agent/collectors/host/index.js';
import { hostInventory, hostSamples } from '../../../../agent/collectors/host/map.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

describe('host mapping', () => {
  it('maps systeminformation readings, skipping pseudo filesystems, lo and unmeasured rates', () => {
    const samples = hostSamples(
      {
        load: { currentLoad: 37.5 },
        loadavg: [1.25, 1, 0.5],
        mem: { total: 64e9, active: 20e9 },
        fs: [
          { type: 'ext4', mount: '/', size: 500e9, used: 120e9 },
          { type: 'tmpfs', mount: '/run', size: 1e9, used: 1e6 },
          { type: 'overlay', mount: '/var/lib/docker/x', size: 1, used: 1 },
        ],
        net: [
          { iface: 'lo', rx_sec: 100, tx_sec: 100 },
          { iface: 'eth0', rx_sec: 1500, tx_sec: -1 },
        ],
      },
      7,
    );
    expect(samples).toEqual([
      { metric: 'host_cpu_utilization_percent', value: 37.5, ts: 7 },
      { metric: 'host_load1', value: 1.25, ts: 7 },
      { metric: 'host_memory_used_bytes', value: 20e9, ts: 7 },
      { metric: 'host_memory_total_bytes', value: 64e9, ts: 7 },
      { metric: 'host_disk_used_bytes', value: 120e9, ts: 7, labels: { mount: '/' } },
      { metric: 'host_disk_size_bytes', value: 500e9, ts: 7, labels: { mount: '/' } },
      { metric: 'host_network_rx_bytes_per_second', value: 1500, ts: 7, labels: { iface: 'eth0' } },
    ]);
  });

  it('builds the inventory section', () => {
    expect(
      hostInventory({
        os: { hostname: 'gpu-01', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
        cpu: { manufacturer: 'AMD', brand: 'EPYC 9654', physicalCores: 192, cores: 384, processors: 2 },
        memTotal: 1.5e12,
        system: { manufacturer: 'Supermicro', model: 'AS-8125GS', serial: 'S123' },
      }),
    ).toEqual({ hostname: 'gpu-01', os: 'Debian GNU/Linux 12', kernel: '6.1.0', arch: 'x64', cpuModel: 'AMD EPYC 9654', sockets: 2, cores: 192, threads: 384, memoryBytes: 1.5e12, vendor: 'Supermicro', model: 'AS-8125GS', serial: 'S123' });
  });
});

describe('host collector on this machine', () => {
  it('reports plausible values', async () => {
    const c = createHostCollector(loadAgentConfig(undefined, { KCLOUD_COLLECTORS_HOST_INTERVAL: '200ms' }), { log: memoryLogger().log, latest: new LatestValues() });
    const rec = recordingSink();
    await c.start(rec.sink);
    await waitFor(() => rec.batches.length >= 1, 10_000, 'a host sample');
    await c.stop();
    const get = (m: string) => rec.batches[0]!.find((s) => s.metric === m)?.value;
    expect(get('host_memory_total_bytes')).toBe(totalmem());
    expect(get('host_memory_used_bytes')).toBeLessThanOrEqual(totalmem());
    expect(get('host_cpu_utilization_percent')).toBeGreaterThanOrEqual(0);
    expect(get('host_cpu_utilization_percent')).toBeLessThanOrEqual(100);
    expect(rec.inventories[0]).toMatchObject({ host: { memoryBytes: totalmem() } });
  });
});
