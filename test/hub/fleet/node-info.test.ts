import { describe, expect, it } from 'vitest';
import { hostInventory as agentHostInventory } from '../../../agent/collectors/host/inventory.js';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import type { NodeView } from '../../../hub/fleet/node-directory.js';
import { nodeInfo, NO_KUBERNETES } from '../../../hub/fleet/node-info.js';

const NOW = 1_800_000_000_000;
const SINCE = NOW - 60_000;

// Host facts as systeminformation reports them on a 2-socket server, through the agent's own mapping.
const host = agentHostInventory({
  os: { hostname: 'gpu-01', fqdn: 'gpu-01.lab', distro: 'Ubuntu', release: '22.04.3 LTS', kernel: '5.15.0-91-generic', arch: 'x64' },
  cpu: { manufacturer: 'Intel', brand: 'Xeon Gold 6338', physicalCores: 64, cores: 128, processors: 2 },
  mem: { total: 512 * 1024 ** 3 },
  system: { manufacturer: 'Supermicro', model: 'SYS-420GP', serial: 'S123', virtual: false },
  graphics: null,
});

const view = (over: Partial<NodeView> = {}): NodeView => ({
  id: 1,
  name: 'gpu-01',
  cluster: 'lab',
  state: 'online',
  stateTs: NOW,
  lastSeen: NOW,
  agentVersion: '1.0.0',
  sources: {},
  inventory: { host },
  inventoryTs: NOW,
  ...over,
});

describe('nodeInfo', () => {
  const latest = new LatestValues();
  const l = { node: 'gpu-01', cluster: 'lab' };
  latest.update([
    { metric: 'host_cpu_utilization_percent', labels: l, ts: NOW, value: 37.5 },
    { metric: 'host_memory_used_bytes', labels: l, ts: NOW, value: 100 * 1024 ** 3 },
    { metric: 'host_memory_total_bytes', labels: l, ts: NOW, value: 512 * 1024 ** 3 },
    { metric: 'host_disk_size_bytes', labels: { ...l, mount: '/' }, ts: NOW, value: 1000 },
    { metric: 'host_disk_size_bytes', labels: { ...l, mount: '/data' }, ts: NOW, value: 5000 },
    { metric: 'host_disk_used_bytes', labels: { ...l, mount: '/' }, ts: NOW, value: 400 },
    { metric: 'host_disk_used_bytes', labels: { ...l, mount: '/data' }, ts: SINCE - 1, value: 4000 },
    { metric: 'rapl_power_watts', labels: { ...l, zone: 'package-0', domain: 'package' }, ts: NOW, value: 150 },
  ]);

  it('combines inventory, fresh host samples and node power; Kubernetes facts stay empty', () => {
    const info = nodeInfo(view(), latest, SINCE);
    expect(info).toMatchObject({ status: 'ready', cpuUtilizationPercent: 37.5, memoryUsedBytes: 100 * 1024 ** 3, diskSizeBytes: 6000, diskUsedBytes: 400, kubernetes: NO_KUBERNETES });
    expect(info.host).toMatchObject({ cores: 64, threads: 128, os: 'Ubuntu 22.04.3 LTS', kernel: '5.15.0-91-generic', arch: 'x64' });
    expect(info.power).toMatchObject({ cpuWatts: 150, totalWatts: 150 });
  });

  it('is not_ready when offline or silent, and takes Kubernetes facts from a source', () => {
    expect(nodeInfo(view({ state: 'offline' }), latest, SINCE).status).toBe('not_ready');
    expect(nodeInfo(view({ lastSeen: SINCE - 1 }), latest, SINCE).status).toBe('not_ready');
    const k8s = { role: 'worker' as const, kubernetesVersion: 'v1.30.1', containerRuntime: 'containerd://1.7.2', podsCapacity: 110, podsCount: 12 };
    expect(nodeInfo(view(), latest, SINCE, () => k8s).kubernetes).toEqual(k8s);
  });
});
