import { existsSync, statfsSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createHostCollector, hostSpec } from '../../../../agent/collectors/host/index.js';
import type { Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const deps = () => ({ log: memoryLogger().log, latest: new LatestValues() });
const value = (samples: Sample[], metric: string) => samples.find((s) => s.metric === metric)?.value;

describe('host collector on this machine', () => {
  it('reads plausible CPU, memory, disk and network values', async () => {
    const spec = hostSpec(loadAgentConfig(undefined, {}), deps());
    const first = await spec.collect(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await spec.collect(Date.now());

    expect(value(first, 'host_memory_total_bytes')).toBe(totalmem());
    expect(value(first, 'host_memory_used_bytes')).toBeGreaterThan(0);
    expect(value(first, 'host_memory_used_bytes')).toBeLessThan(totalmem());
    const cpu = value(second, 'host_cpu_utilization_percent');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    expect(Math.abs(value(second, 'host_load1')! - loadavg()[0]!)).toBeLessThan(0.5);

    // Disks come on the first run (then once a minute); sizes agree with statfs(2) on the same mount.
    const sizes = first.filter((s) => s.metric === 'host_disk_size_bytes');
    expect(sizes.length).toBeGreaterThan(0);
    for (const s of sizes) {
      const st = statfsSync(s.labels!.mount!);
      expect(s.value).toBe(st.blocks * st.bsize);
      const used = value(first.filter((u) => u.labels?.mount === s.labels!.mount), 'host_disk_used_bytes')!;
      expect(used).toBeGreaterThan(0);
      expect(used).toBeLessThanOrEqual(s.value);
    }
    expect(second.filter((s) => s.metric.startsWith('host_disk_'))).toEqual([]);

    // Network rates need two reads: none on the first run, one per real interface (never lo) on the second.
    expect(first.filter((s) => s.metric.startsWith('host_network_'))).toEqual([]);
    const rx = second.filter((s) => s.metric === 'host_network_rx_bytes_per_second');
    expect(rx.length).toBeGreaterThan(0);
    for (const s of [...rx, ...second.filter((t) => t.metric === 'host_network_tx_bytes_per_second')]) {
      expect(s.labels!.iface).not.toBe('lo');
      expect(existsSync(`/sys/class/net/${s.labels!.iface}`)).toBe(true);
      expect(s.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('publishes the host inventory and samples on its timer', async () => {
    const c = createHostCollector(loadAgentConfig(undefined, { KCLOUD_COLLECTORS_HOST_INTERVAL: '200ms' }), deps());
    expect(await c.detect()).toEqual({ available: true, reason: 'always on' });
    const rec = recordingSink();
    await c.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 2 && rec.inventories.length >= 1, 20_000, 'host samples and inventory');
    } finally {
      await c.stop();
    }
    expect(rec.errors).toEqual([]);
    expect(rec.inventories[0]).toEqual({
      host: expect.objectContaining({ hostname: hostname(), kernel: release(), threads: cpus().length, memoryBytes: totalmem(), bmc: null }),
    });
    expect(value(rec.batches[1]!, 'host_memory_total_bytes')).toBe(totalmem());
  });
});
