import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import { listPods } from '../../../hub/fleet/pods.js';

const NOW = 1_800_000_000_000;
const SINCE = NOW - 60_000;

const proc = (gpu: string, pid: string, pod: Record<string, string>) => ({
  node: 'gpu-01',
  cluster: 'lab',
  gpu,
  uuid: `GPU-${gpu}`,
  pid,
  container_id: '',
  pod_uid: '',
  namespace: '',
  pod: '',
  container: '',
  ...pod,
});

describe('listPods', () => {
  it('groups processes by pod UID, sums fresh power and memory, and marks pods without fresh samples', () => {
    const latest = new LatestValues();
    const train = { pod_uid: 'uid-train', namespace: 'ml', pod: 'trainer', container_id: 'c1', container: 'pytorch' };
    const old = { pod_uid: 'uid-old' };
    latest.update([
      { metric: 'gpu_process_power_watts', labels: proc('0', '100', train), ts: NOW, value: 120.25 },
      { metric: 'gpu_process_power_watts', labels: proc('1', '101', train), ts: NOW, value: 80.5 },
      { metric: 'gpu_process_memory_used_bytes', labels: proc('0', '100', train), ts: NOW, value: 2 * 1024 * 1024 },
      // The idle remainder and a bare process carry no pod.
      { metric: 'gpu_process_power_watts', labels: proc('0', 'idle', {}), ts: NOW, value: 60 },
      { metric: 'gpu_process_power_watts', labels: proc('0', '555', { container_id: 'docker1' }), ts: NOW, value: 5 },
      // A pod whose process stopped reporting.
      { metric: 'gpu_process_power_watts', labels: proc('2', '300', old), ts: SINCE - 1, value: 99 },
    ]);
    const pods = listPods(latest, SINCE);
    expect(pods.map((p) => p.podUid)).toEqual(['uid-old', 'uid-train']);
    const [stale, running] = pods;
    expect(running).toMatchObject({ namespace: 'ml', name: 'trainer', node: 'gpu-01', cluster: 'lab', status: 'running', powerWatts: 200.75, gpuMemoryUsedBytes: 2 * 1024 * 1024, gpus: ['0', '1'], lastSeen: NOW });
    expect(running!.processes).toEqual([
      { pid: '100', gpu: '0', uuid: 'GPU-0', containerId: 'c1', container: 'pytorch', powerWatts: 120.25, memoryUsedBytes: 2 * 1024 * 1024 },
      { pid: '101', gpu: '1', uuid: 'GPU-1', containerId: 'c1', container: 'pytorch', powerWatts: 80.5, memoryUsedBytes: null },
    ]);
    expect(stale).toMatchObject({ namespace: null, name: null, status: null, powerWatts: null, gpuMemoryUsedBytes: null, gpus: ['2'] });
  });
});
